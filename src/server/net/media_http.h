// The media HTTP endpoints (docs/protocol.md "Media over HTTP"): resumable uploads (tus 1.0 core protocol with
// the creation, termination and expiration extensions), one-shot uploads, downloads with ranges and caching
// headers, and the admin trigger for garbage collection.
//
// http_session.cpp reads a request's header, and hands the connection here when is_media_target() says so;
// the body is then read in bounded chunks straight to disk (never buffered whole). When the exchange is over,
// a keep-alive connection goes back to serve_http.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string_view>

#include "server/net/net_stream.h"
#include "server/net/session_context.h"

namespace parley::server {

bool is_media_target(std::string_view target);

// Serves one media request whose header `parser` has read (its body not yet); the header moves out of `parser`.
// Runs on the stream's thread.
void serve_media(NetStream stream, boost::beast::flat_buffer buffer,
                 boost::beast::http::request_parser<boost::beast::http::string_body>& parser,
                 SessionContext& context);

}  // namespace parley::server
