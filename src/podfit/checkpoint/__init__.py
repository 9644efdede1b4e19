"""The kubelet's resource-manager checkpoint files as values: ``cpu_manager_state``,
``memory_manager_state`` and the device manager's ``kubelet_internal_checkpoint`` encoded and
decoded byte for byte as each release writes and reads them (format versions, Go-exact
checksums, migrations and the kubelet's refusal texts). Pure: bytes and strings in, states out;
reading and writing files is :mod:`podfit.io.checkpoints`.

Modules: :mod:`~podfit.checkpoint.gospew` (the go-spew text the checksums hash),
:mod:`~podfit.checkpoint.gojson` (Go ``encoding/json`` for the checkpoint structs),
:mod:`~podfit.checkpoint.gojson_syntax` (its scanner errors), :mod:`~podfit.checkpoint.gobase64`,
:mod:`~podfit.checkpoint.cpu`, :mod:`~podfit.checkpoint.memory`, :mod:`~podfit.checkpoint.devices`
(with :mod:`~podfit.checkpoint.devices_alloc`, the ``AllocResp`` protobuf check).
"""
