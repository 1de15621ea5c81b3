# napt sources, maintained with that part of the model.
set(resoa_napt_sources
    model/napt-mapping-table.cc
    model/napt-ftp-alg.cc
    model/napt-routing.cc
    helper/napt-helper.cc
)
set(resoa_napt_headers
    model/napt-mapping-table.h
    model/napt-ftp-alg.h
    model/napt-routing.h
    helper/napt-helper.h
)
