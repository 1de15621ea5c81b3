# channel sources, maintained with that part of the model.
set(resoa_channel_sources
    model/gilbert-elliott-error-model.cc
    model/data-frame-error-model.cc
    model/wifi-association-monitor.cc
)
set(resoa_channel_headers
    model/gilbert-elliott-error-model.h
    model/data-frame-error-model.h
    model/wifi-association-monitor.h
)
