#ifndef TIERCACHE_SSD_WRITER_H
#define TIERCACHE_SSD_WRITER_H

#include <node_api.h>

// newSsdWriter(priority): the SSD tier's block writer thread (ssd-writer.c).
napi_value tc_new_ssd_writer(napi_env env, napi_callback_info info);

#endif
