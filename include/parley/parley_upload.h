/* libparley C API, media: uploads with progress and sending media messages (see parley/upload.h, docs/sdk.md).
 * Same conventions as parley.h: status codes, parley_string out-parameters freed with parley_string_free. */
#ifndef PARLEY_PARLEY_UPLOAD_H
#define PARLEY_PARLEY_UPLOAD_H

#include "parley/parley.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress of an upload: bytes the server confirmed of total. Return 0 to stop the upload. */
typedef int (*parley_upload_progress_fn)(void* user_data, uint64_t sent, uint64_t total);

/* Uploads the file at `path` to `server` ("host:port", or a ws://, wss://, http:// or https:// URL) with session
 * `token`, resumably, blocking the calling thread. options_json (may be NULL): {"file_name", "content_type",
 * "chunk_bytes", "resume_url", "tls_ca_file"}. On
 * PARLEY_OK, out_blob receives the server's blob description (JSON: blob_id, mime_type, size_bytes, width,
 * height, duration_ms, thumbnails, waveform) plus "upload_url"; else the status is an error code and `error`
 * says why. */
int parley_upload_file(const char* server, const char* token, const char* path, const char* options_json,
                       size_t options_len, parley_upload_progress_fn progress, void* user_data,
                       parley_string* out_blob, parley_string* error);

/* The client's current session token (for parley_upload_file); empty when logged out. */
int parley_client_session_token(parley_client* client, parley_string* out);

/* Sends an IMAGE/AUDIO/VIDEO/FILE message naming an uploaded blob (online only, not queued in the outbox).
 * kind: 3 image, 4 audio, 5 video, 6 file, or 0 to choose from the blob's type. done gets the ack as JSON. */
int parley_client_send_media(parley_client* client, const char* conversation_id, int kind, const char* blob_id,
                             const char* mime_type, const char* file_name, const char* caption,
                             parley_done_fn done, void* user_data);

/* A signed download URL for a blob or thumbnail the user may read; done gets {"url", "expires_at_ms", "blob"}. */
int parley_client_blob_url(parley_client* client, const char* blob_id, const char* file_name, parley_done_fn done,
                           void* user_data);

#ifdef __cplusplus
}
#endif

#endif
