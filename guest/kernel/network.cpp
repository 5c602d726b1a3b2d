#include "kernel/network.hpp"

#include "dev/virtio_net.hpp"
#include "kernel/console.hpp"
#include "kernel/ktimer.hpp"
#include "kernel/string.hpp"
#include "net/ip_config.hpp"
#include "net/net.hpp"
#include "proc/sched.hpp"
#include "sock/inet.hpp"

namespace kernel_net {

namespace {

// The stack's timers: one kernel timer runs tick, and every entry point of the stack re-arms
// it with the stack's next deadline (Stack::on_deadline, under the stack's lock, which comes
// before the timer lock).
constinit KTimer g_net_timer = {};

void on_net_timer(uint64_t) {
    net::tick(sched::now_ns());
}

void on_deadline(uint64_t deadline_ns) {
    if (deadline_ns == UINT64_MAX) {
        ktimer_cancel(&g_net_timer);
    } else {
        ktimer_arm(&g_net_timer, deadline_ns, on_net_timer, 0);
    }
}

void print_addr(const char* what, uint32_t a) {
    kprintf("%s%u.%u.%u.%u", what, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

}  // namespace

void network_init(const char* ip) {
    net::Stack& stack = net::default_stack();
    {
        net::StackGuard guard(stack);
        stack.on_deadline = on_deadline;
    }
    if (const int r = sock::register_inet(); r < 0) {
        kprintf("guest: AF_INET sockets: not registered (error %d)\n", -r);
    }
    const int nics = dev::probe_virtio_net();
    if (ip == nullptr) return;
    net::IpConfig config{};
    const net::IpConfigError e = net::parse_ip_config(ip, kstrnlen(ip, 4096), &config);
    if (e != net::IpConfigError::Ok) {
        kprintf("guest: ip=%s: %s\n", ip, net::ip_config_error_text(e));
        return;
    }
    if (!config.enabled) return;
    if (nics == 0) {
        kprintf("guest: ip=: no network interface to configure\n");
        return;
    }
    if (const int r = net::apply_ip_config(stack, config); r < 0) {
        kprintf("guest: ip=: cannot configure %s (error %d)\n",
                config.device[0] != '\0' ? config.device : "eth0", -r);
        return;
    }
    kprintf("guest: %s", config.device[0] != '\0' ? config.device : "eth0");
    print_addr(" ", config.client);
    print_addr("/", config.netmask);
    if (config.gateway != 0) print_addr(" via ", config.gateway);
    kprintf("\n");
}

}  // namespace kernel_net
