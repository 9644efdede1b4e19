"""The admission webhook server (shell): an ASGI app (Starlette) answering AdmissionReview posts
with :mod:`podfit.admission_policy`, served over TLS (HTTP/2 and HTTP/1.1) by granian, with the
certificate reloaded when its files change, Prometheus metrics, ``/healthz`` and ``/readyz``.

Needs the optional extra ``webhook`` (``pip install 'podfit[webhook]'``).
"""
