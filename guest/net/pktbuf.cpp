#include "net/pktbuf.hpp"

#include "kernel/string.hpp"
#include "mm/kheap.hpp"

namespace net {

PktBuf* pkt_alloc(uint32_t len) {
    if (len > kMaxGsoFrame) return nullptr;
    auto* p = static_cast<PktBuf*>(kmalloc(sizeof(PktBuf) + len));
    if (p == nullptr) return nullptr;
    p->next = nullptr;
    memset(&p->vh, 0, sizeof(p->vh));
    p->len = len;
    p->aux = 0;
    p->aux_addr = 0;
    return p;
}

PktBuf* pkt_copy(const NetHdr& vh, const NetSeg* segs, uint32_t count) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; ++i) total += segs[i].len;
    if (total > kMaxGsoFrame) return nullptr;
    PktBuf* p = pkt_alloc(uint32_t(total));
    if (p == nullptr) return nullptr;
    p->vh = vh;
    uint8_t* out = p->data();
    for (uint32_t i = 0; i < count; ++i) {
        memcpy(out, segs[i].data, segs[i].len);
        out += segs[i].len;
    }
    return p;
}

void pkt_free(PktBuf* p) {
    kfree(p);
}

void PktQueue::push(PktBuf* p) {
    p->next = nullptr;
    if (tail != nullptr) {
        tail->next = p;
    } else {
        head = p;
    }
    tail = p;
    ++count;
    bytes += p->len;
}

PktBuf* PktQueue::pop() {
    PktBuf* p = head;
    if (p == nullptr) return nullptr;
    head = p->next;
    if (head == nullptr) tail = nullptr;
    --count;
    bytes -= p->len;
    p->next = nullptr;
    return p;
}

void PktQueue::clear() {
    while (PktBuf* p = pop()) pkt_free(p);
}

}  // namespace net
