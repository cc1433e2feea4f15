// Client: sending a message that names an uploaded blob (the upload itself is parley::upload_file).
#include "parley/client.h"
#include "parley/upload.h"
#include "parley/v1/envelope.pb.h"
#include "common/random.h"

namespace parley {

void Client::send_media(std::string conversation_id, int kind, std::string blob_id, const std::string& mime_type,
                        std::string file_name, std::string caption, Done<std::string> done) {
  if (kind == 0) kind = media_kind_for(mime_type);
  if (kind < 3 || kind > 6 || blob_id.empty()) {
    if (done) done(std::unexpected(ClientError{kErrorBadArgument, "send_media needs a blob id and kind 3-6"}));
    return;
  }
  v1::ClientFrame frame;
  auto* s = frame.mutable_send_message();
  s->set_conversation_id(std::move(conversation_id));
  s->set_client_msg_id("m-" + random_token(12));
  auto* m = s->mutable_message();
  m->set_kind(static_cast<v1::MessageKind>(kind));
  m->set_text(std::move(caption));
  m->mutable_media()->set_blob_id(std::move(blob_id));
  m->mutable_media()->set_file_name(std::move(file_name));
  post_call(std::move(frame), std::move(done));
}

void Client::blob_url(std::string blob_id, std::string file_name, Done<std::string> done) {
  v1::ClientFrame frame;
  frame.mutable_get_blob_url()->set_blob_id(std::move(blob_id));
  frame.mutable_get_blob_url()->set_file_name(std::move(file_name));
  post_call(std::move(frame), std::move(done));
}

}  // namespace parley
