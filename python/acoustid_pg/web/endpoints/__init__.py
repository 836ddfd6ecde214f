"""The ``/v2`` endpoints, one module per group; ``routes.ROUTES`` maps paths to them."""
