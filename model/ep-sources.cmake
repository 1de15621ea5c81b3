# EP engine sources (sans-I/O core), maintained with the engine.
set(resoa_ep_sources)
set(resoa_ep_headers)
