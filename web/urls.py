"""The pages' routes, assembled from the domain sub-packages (each also adds its menu entries and start-page panels
when its urls are loaded). Names are in the ``web`` namespace: ``web:login``, ``web:loan``."""

from .bonds import urls as bonds
from .crowdfunding import urls as crowdfunding
from .funds import urls as funds
from .guarantees import urls as guarantees
from .kernel import urls as kernel
from .statements import urls as statements

app_name = "web"

PARTS = (kernel, funds, guarantees, crowdfunding, bonds, statements)

urlpatterns = [pattern for part in PARTS for pattern in part.urlpatterns]
