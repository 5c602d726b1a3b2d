// AF_INET sockets: SOCK_STREAM over the network stack's TCP and SOCK_DGRAM over its UDP
// (guest/net), as a family of the socket layer (sock/socket.hpp).
#pragma once

namespace sock {

// Registers the AF_INET family (at boot, once). 0 or -errno.
int register_inet();

}  // namespace sock
