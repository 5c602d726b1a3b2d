// Reads a file descriptor (the console's standard input) on its own thread with plain blocking
// reads, one chunk at a time: the descriptor is never made non-blocking, which would also
// affect the shell's terminal and our standard output that share it.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "base/fd.hpp"

namespace domus::cli {

class InputPump {
  public:
    // Called on the pump's thread with each chunk read; an empty chunk means end of input (or a
    // read error). After a non-empty chunk the pump waits for resume() before reading again.
    using Sink = std::function<void(std::string chunk)>;

    InputPump() = default;
    ~InputPump() { stop(); }
    InputPump(const InputPump&) = delete;
    InputPump& operator=(const InputPump&) = delete;

    // Starts reading `fd` (not owned). False when the wake-up pipe cannot be made.
    bool start(int fd, Sink sink);
    // Allows the next read, once the previous chunk has been consumed.
    void resume();
    // Stops and joins the thread (idempotent); the sink is not called after this returns.
    void stop();

  private:
    void loop();

    int fd_ = -1;
    Sink sink_;
    Fd wake_read_, wake_write_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool ready_ = true;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace domus::cli
