// A domain's console: output fanned out to a list of sinks (the log file or stdout, plus any
// attached console clients), and a bounded input queue the guest drains with
// DOMUS_HC_CONSOLE_READ.
//
// Threads: write() and read_input() run on vCPU threads; add_sink/remove_sink/push_input on
// the monitor's main thread. Output and input have one lock each (out_mu_, in_mu_), never
// held together and never held across a KVM ioctl. A sink's fd is owned by the caller, who
// must remove_sink() before closing it: write() never touches an fd after remove_sink()
// returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace domus::vmm {

class ConsoleHub {
  public:
    static constexpr size_t kInputCapacity = 64 * 1024;
    static constexpr size_t kMaxSinks = 16;

    enum class SinkKind {
        blocking,  // a file or the terminal: every byte is written (retried), errors drop the rest
        socket,    // a console client: send(MSG_DONTWAIT | MSG_NOSIGNAL); what does not fit the
                   // socket buffer now is dropped for that client, so a slow client never stalls
                   // the guest
    };

    ConsoleHub() : input_(kInputCapacity) {}

    // Returns the sink's id (> 0), or an error when kMaxSinks are attached.
    Result<int> add_sink(int fd, SinkKind kind);
    void remove_sink(int id);
    // Caps a blocking sink that is the log file at `path` (opened O_APPEND): a write that would
    // take it past `max_bytes` first renames it to `path`.1 (replacing the older one) and
    // continues in a fresh file, put on the sink's own fd number with dup2 (the caller's fd
    // stays the one to close). So the log takes at most 2 * max_bytes on disk. 0: no cap.
    // A rotation that fails leaves the file growing as before.
    // It opens (creating it) `path`.1 at once: rotating then swaps the two files by renaming
    // and truncating, and opens nothing, so it also works in a confined monitor that may not
    // open files.
    Status set_log_rotation(int id, std::string path, uint64_t max_bytes);
    // The same file under another name (after the monitor's root changed): renames use it.
    Status set_log_path(int id, std::string path);
    size_t sink_count() const;

    // Guest output: to every sink, in the order they were added.
    void write(std::span<const uint8_t> bytes);

    // Console input from a client. Returns the bytes accepted: the queue keeps at most
    // kInputCapacity bytes and drops the rest.
    size_t push_input(std::span<const uint8_t> bytes);
    // Moves up to out.size() queued bytes into `out`; returns how many. `remaining` (if not
    // null) receives what is still queued afterwards.
    size_t read_input(std::span<uint8_t> out, size_t* remaining = nullptr);
    size_t input_pending() const;

    uint64_t output_dropped() const;  // bytes some socket sink did not get
    uint64_t input_dropped() const;   // bytes push_input could not queue

  private:
    struct Sink {
        int id;
        int fd;
        SinkKind kind;
        std::string log_path;    // set_log_rotation: the file this fd writes
        uint64_t max_bytes = 0;  // 0: never rotated
        uint64_t size = 0;       // bytes in the current file
        Fd spare;                // `log_path`.1, opened by set_log_rotation: the next file
    };
    uint64_t write_one(const Sink& sink, std::span<const uint8_t> bytes);
    void rotate_if_full(Sink& sink, size_t incoming);

    mutable std::mutex out_mu_;
    std::vector<Sink> sinks_;
    int next_id_ = 1;
    uint64_t output_dropped_ = 0;

    mutable std::mutex in_mu_;
    std::vector<uint8_t> input_;  // ring buffer of kInputCapacity bytes
    size_t head_ = 0;             // index of the oldest queued byte
    size_t size_ = 0;             // bytes queued
    uint64_t input_dropped_ = 0;
};

}  // namespace domus::vmm
