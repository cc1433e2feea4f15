// Asio and Beast are header-only by default, which makes every file that includes them slow to compile.
// With BOOST_*_SEPARATE_COMPILATION defined project-wide, their implementation is compiled here, once.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
