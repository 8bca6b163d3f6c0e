"""Demo city generator: a deterministic, database-free Wuhan-like city for 网格防控一张图.

    from loaders.demo import generate, SCALES
    city = generate("district", seed=0)          # DemoCity: one frame per layer of geodata.base.layers
    city.layers()                                 # {"city": …, "districts": …, …, "checkpoints": …}

Scales ('street', 'district', 'city') and their target sizes are in `SCALES`; the same scale, seed and `today`
give identical frames. All geometry is WGS-84 (EPSG:4326); every unit polygon tiles its parent.

Demo users (password for all: ``demo1234``):

=============  ==============  ==========================================
username       role            scope
=============  ==============  ==========================================
``command``    command         the city (420100) — command centre
``wall``       viewer          the city (420100) — wall display
``supervisor`` supervisor      the first street
``head``       community_head  the first community
``grid``       grid_leader     the first grid
``health``     health          the first community
=============  ==============  ==========================================
"""
from .city import DemoCity, generate
from .units import SCALES
from .users import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "SCALES", "DemoCity", "generate"]
