// Media over the WebSocket: a short-lived signed URL for a blob the user may read (the bytes themselves go
// over HTTP, see server/net/media_http.h).
#include "server/api/request.h"
#include "server/media/media_service.h"

namespace parley::server {

void handle_get_blob_url(const Request& r, const Identity& me, const v1::GetBlobUrlRequest& req) {
  media::MediaService* media = r.services->media;
  if (!media) return r.error(v1::UNAVAILABLE, "media is not enabled on this server");
  if (!media::is_valid_blob_key(req.blob_id())) return r.error(v1::INVALID_ARGUMENT, "blob_id is not a blob id");
  if (req.file_name().size() > 255) return r.error(v1::INVALID_ARGUMENT, "file_name must be at most 255 bytes");
  r.on_worker([r, media, user = me.user_id, key = req.blob_id(), name = req.file_name()] {
    auto url = media->url_for(key, user, name);
    if (!url) return r.error(url.error());
    v1::ServerFrame out;
    *out.mutable_get_blob_url() = std::move(*url);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
