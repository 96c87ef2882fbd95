"""The operator's command line ``mailauth``, outside the Lambda layer (``pip install .``, or ``scripts/mailauth``)."""
