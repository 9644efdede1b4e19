"""What the API server, the controllers and the kubelet's configuration loader do before the kubelet
sees anything: decoding manifests and configuration documents into :mod:`podfit.model` values,
defaulting them and validating them (pods, KubeletConfiguration, feature gates, machines, presets,
scenarios). Pure: plain mappings in, values (or an ``InputError`` naming the field) out.
"""
