"""Pod-level resource policies enforced at admission (issue 17): the rules the kubelet cannot fix
later, checked before a pod is ever scheduled.

Pure core: the policy file's values and decoding (:mod:`.decode`), rule evaluation over a decoded
pod returning findings and JSON patches as values (:mod:`.evaluate`, :mod:`.mutate`), the exact
admission on each declared node shape (:mod:`.shapes`), AdmissionReview documents
(:mod:`.review`), and the generated manifests: webhook deployment (:mod:`.manifests`),
ValidatingAdmissionPolicy and manifest-based static admission (:mod:`.vap`, :mod:`.cel`). The
server around it is :mod:`podfit.webhook` (shell).
"""
