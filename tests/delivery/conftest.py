"""The flow fixtures (a store with the example production) and the session's dev CA."""

from tests.flow.conftest import example_db
from tests.provenance.conftest import dev_ca

__all__ = ["dev_ca", "example_db"]
