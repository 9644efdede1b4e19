"""What the API server and the controllers do: decoding, defaulting, validation, workloads → pods."""
