// AF_UNIX sockets (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET): names in the file system and in
// the abstract namespace, socketpair, SCM_RIGHTS and SCM_CREDENTIALS, SO_PEERCRED.
#pragma once

#include <stddef.h>

namespace sock {

struct SocketFamily;
// The family (socket.cpp's registry holds it from the start).
extern const SocketFamily kUnixFamily;

// /proc/net/unix in Linux's format: the header, then one line per socket, each through `emit`.
void unix_proc_net(void (*emit)(void* ctx, const char* text, size_t len), void* ctx);

}  // namespace sock
