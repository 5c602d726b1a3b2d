// A single worker thread running posted and delayed tasks in deadline order: monitor exits,
// restart policies and graceful-shutdown timeouts run here, off the API threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace domus::control {

class TaskQueue {
  public:
    using Clock = std::chrono::steady_clock;

    TaskQueue() : thread_([this] { run(); }) {}
    ~TaskQueue() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    TaskQueue(const TaskQueue&) = delete;
    TaskQueue& operator=(const TaskQueue&) = delete;

    void post(std::function<void()> fn) { post_at(Clock::now(), std::move(fn)); }
    void post_after(std::chrono::milliseconds delay, std::function<void()> fn) {
        post_at(Clock::now() + delay, std::move(fn));
    }

  private:
    struct Task {
        Clock::time_point when;
        uint64_t seq;
        std::function<void()> fn;
        bool operator>(const Task& o) const { return when != o.when ? when > o.when : seq > o.seq; }
    };

    void post_at(Clock::time_point when, std::function<void()> fn) {
        {
            std::lock_guard lock(mu_);
            tasks_.push(Task{when, next_seq_++, std::move(fn)});
        }
        cv_.notify_all();
    }

    void run() {
        std::unique_lock lock(mu_);
        while (!stopping_) {
            if (tasks_.empty()) {
                cv_.wait(lock);
                continue;
            }
            auto when = tasks_.top().when;
            if (Clock::now() < when) {
                cv_.wait_until(lock, when);
                continue;
            }
            auto fn = std::move(const_cast<Task&>(tasks_.top()).fn);
            tasks_.pop();
            lock.unlock();
            fn();
            lock.lock();
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_;
    uint64_t next_seq_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace domus::control
