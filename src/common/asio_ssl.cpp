// Asio's TLS layer, compiled once like the rest of Asio (see asio_beast.cpp); only what serves or speaks TLS
// links it, and with it OpenSSL.
#include <boost/asio/ssl/impl/src.hpp>
