# EP engine sources (sans-I/O core), maintained with the engine.
set(resoa_ep_sources
    model/ep-client.cc
    model/ep-client-input.cc
    model/ep-server.cc
    model/ep-server-data.cc
)
set(resoa_ep_headers
    model/ep-engine-types.h
    model/ep-client-socket.h
    model/ep-client.h
    model/ep-server-socket.h
    model/ep-server.h
    model/ep-socket-stack.h
)
