"""The operator's command line, outside the Lambda layer (run it as ``python -m mailauth_cli``)."""
