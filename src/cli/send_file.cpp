// `parley send --file PATH <to> [caption]`: uploads the file (resumable, with a progress bar on stderr), then
// sends an IMAGE, AUDIO, VIDEO or FILE message naming it, by the type the server detected.
#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "cli/commands.h"
#include "parley/upload.h"

namespace parley::cli {
namespace {

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= uint64_t{1024} * 1024) std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(n) / (1024 * 1024));
  else if (n >= 1024) std::snprintf(buf, sizeof buf, "%.1f kB", static_cast<double>(n) / 1024);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

// "[#########...........]  45%  1.2 MB / 2.7 MB", redrawn in place when stderr is a terminal.
void draw_progress(const UploadProgress& p, bool tty) {
  constexpr int kWidth = 30;
  int percent = p.total ? static_cast<int>(p.sent * 100 / p.total) : 100;
  int filled = percent * kWidth / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "%s[%s] %3d%%  %s / %s%s", tty ? "\r" : "", bar.c_str(), percent, human_bytes(p.sent).c_str(),
               human_bytes(p.total).c_str(), tty ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace

int cmd_send_file(Context& ctx, const std::string& to, const std::string& path, const std::string& caption) {
  if (ctx.user.empty()) {
    ctx.out->err("parley: no account: run `parley login USER` or `parley register USER` first");
    return 1;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    ctx.out->err("parley: " + path + " is not a file");
    return 1;
  }
  Session s(ctx.server, ctx.ca_file, database_path(ctx.config, ctx.user), {});
  s.client().start();
  if (s.wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err("parley: not connected (" + s.last_detail() + "); files are sent online only");
    return 1;
  }
  UploadOptions options;
  options.server = ctx.server;
  options.tls_ca_file = ctx.ca_file;
  options.token = s.client().session_token();
  const bool tty = ::isatty(STDERR_FILENO) && !ctx.out->json();
  auto blob = upload_file(path, options, [&](const UploadProgress& p) {
    if (!ctx.out->json()) draw_progress(p, tty);
    return true;
  });
  if (tty) std::fprintf(stderr, "\n");
  if (!blob) {
    ctx.out->err("parley: the upload failed: " + blob.error().message);
    return 1;
  }
  std::string conversation = to.starts_with("d:") || to.starts_with("g:")
                                 ? to
                                 : Client::direct_conversation_id(ctx.user, to);
  std::string name = std::filesystem::path(path).filename().string();
  auto sent = Session::wait_done<std::string>(
      [&](Done<std::string> d) {
        s.client().send_media(conversation, 0, blob->blob_id, blob->mime_type, name, caption, std::move(d));
      },
      ctx.timeout);
  if (!sent || !*sent) {
    ctx.out->err("parley: the file is uploaded (blob " + blob->blob_id + ") but the message was not sent: " +
                 (sent ? sent->error().message : std::string("no answer in time")));
    return 1;
  }
  if (ctx.out->json()) {
    boost::json::object o;
    o["blob"] = boost::json::parse(blob->json);
    o["ack"] = boost::json::parse(**sent);
    ctx.out->out(boost::json::serialize(o));
  } else {
    std::string dims = blob->width ? " " + std::to_string(blob->width) + "x" + std::to_string(blob->height) : "";
    ctx.out->out("sent " + name + " (" + blob->mime_type + dims + ", " + human_bytes(blob->size_bytes) + ") to " +
                 conversation);
  }
  return 0;
}

}  // namespace parley::cli
