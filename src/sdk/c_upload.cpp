// C API for media (include/parley/parley_upload.h). No exception crosses the boundary.
#include "parley/parley_upload.h"
#include "parley/upload.h"
#include "sdk/c_api_support.h"

using namespace parley::capi;

namespace {

std::string text_of(const char* s) { return s ? std::string(s) : std::string(); }

}  // namespace

extern "C" int parley_upload_file(const char* server, const char* token, const char* path, const char* options_json,
                                  size_t options_len, parley_upload_progress_fn progress, void* user_data,
                                  parley_string* out_blob, parley_string* error) {
  try {
    if (!server || !token || !path) {
      fill(error, "server, token and path are required");
      return PARLEY_ERR_BAD_ARGUMENT;
    }
    parley::UploadOptions options;
    options.server = server;
    options.token = token;
    if (options_json && options_len > 0) {
      std::string problem;
      auto parsed = parse_object(std::string_view(options_json, options_len), "options", problem);
      if (!parsed) return fail(error, PARLEY_ERR_BAD_ARGUMENT, problem);
      const auto& o = *parsed;
      if (auto* v = o.if_contains("file_name"); v && v->is_string()) options.file_name = v->as_string().c_str();
      if (auto* v = o.if_contains("content_type"); v && v->is_string()) options.content_type = v->as_string().c_str();
      if (auto* v = o.if_contains("resume_url"); v && v->is_string()) options.resume_url = v->as_string().c_str();
      if (auto* v = o.if_contains("tls_ca_file"); v && v->is_string()) options.tls_ca_file = v->as_string().c_str();
      if (auto* v = o.if_contains("chunk_bytes"); v && v->is_int64() && v->as_int64() > 0) {
        options.chunk_bytes = static_cast<size_t>(v->as_int64());
      }
    }
    std::function<bool(const parley::UploadProgress&)> on_progress;
    if (progress) {
      on_progress = [progress, user_data](const parley::UploadProgress& p) {
        return progress(user_data, p.sent, p.total) != 0;
      };
    }
    auto blob = parley::upload_file(path, options, on_progress);
    if (!blob) {
      fill(error, blob.error().message);
      return blob.error().code;
    }
    boost::system::error_code ec;
    auto doc = json::parse(blob->json, ec);
    if (!ec && doc.is_object()) {
      doc.as_object()["upload_url"] = blob->upload_url;
      fill(out_blob, json::serialize(doc));
    } else {
      fill(out_blob, blob->json);
    }
    return PARLEY_OK;
  } catch (const std::exception& e) {
    fill(error, e.what());
    return PARLEY_ERR_BAD_ARGUMENT;
  }
}

extern "C" int parley_client_session_token(parley_client* client, parley_string* out) {
  if (!client || !client->client) return PARLEY_ERR_BAD_ARGUMENT;
  try {
    fill(out, client->client->session_token());
    return PARLEY_OK;
  } catch (...) {
    return PARLEY_ERR_STOPPED;
  }
}

namespace {

parley::Done<std::string> c_done(parley_done_fn done, void* user_data) {
  return [done, user_data](parley::ClientResult<std::string> r) {
    if (!done) return;
    if (!r) {
      json::object o;
      o["code"] = r.error().code;
      o["message"] = r.error().message;
      std::string j = json::serialize(o);
      return done(user_data, r.error().code, j.data(), j.size());
    }
    done(user_data, PARLEY_OK, r->data(), r->size());
  };
}

}  // namespace

extern "C" int parley_client_blob_url(parley_client* client, const char* blob_id, const char* file_name,
                                      parley_done_fn done, void* user_data) {
  if (!client || !client->client || !blob_id) return PARLEY_ERR_BAD_ARGUMENT;
  try {
    client->client->blob_url(text_of(blob_id), text_of(file_name), c_done(done, user_data));
    return PARLEY_OK;
  } catch (...) {
    return PARLEY_ERR_STOPPED;
  }
}

extern "C" int parley_client_send_media(parley_client* client, const char* conversation_id, int kind,
                                        const char* blob_id, const char* mime_type, const char* file_name,
                                        const char* caption, parley_done_fn done, void* user_data) {
  if (!client || !client->client || !conversation_id || !blob_id) return PARLEY_ERR_BAD_ARGUMENT;
  try {
    client->client->send_media(text_of(conversation_id), kind, text_of(blob_id), text_of(mime_type),
                               text_of(file_name), text_of(caption), c_done(done, user_data));
    return PARLEY_OK;
  } catch (...) {
    return PARLEY_ERR_STOPPED;
  }
}
