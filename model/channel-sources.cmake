# channel sources, maintained with that part of the model.
set(resoa_channel_sources)
set(resoa_channel_headers)
