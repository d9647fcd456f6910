"""Stock DRF baseline for `make bench`: a plain ModelViewSet over customers.Customer."""
