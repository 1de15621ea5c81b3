# napt sources, maintained with that part of the model.
set(resoa_napt_sources)
set(resoa_napt_headers)
