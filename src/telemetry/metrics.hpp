// A small Prometheus registry: counter and histogram families with labels, gauges read at
// exposition time, and the text exposition format (version 0.0.4). Thread-safe: increments are
// atomic, a family's series map is guarded by its own mutex, exposition takes each in turn.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace domus::telemetry {

using Labels = std::vector<std::string>;  // values, in the family's label-name order

// Pure text helpers (exposed for tests).
bool valid_metric_name(std::string_view name);           // [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_label_name(std::string_view name);            // [a-zA-Z_][a-zA-Z0-9_]*, not "__" first
std::string escape_label_value(std::string_view value);  // \\ \" \n
std::string escape_help(std::string_view help);          // \\ \n
std::string format_value(double v);                      // shortest round-trip; +Inf, NaN

class CounterFamily {
  public:
    CounterFamily(std::string name, std::string help, std::vector<std::string> label_names);
    // Labels of the wrong arity are ignored (a programming error; never throws).
    void inc(const Labels& labels, uint64_t n = 1);
    uint64_t value(const Labels& labels) const;
    void expose(std::string& out) const;

  private:
    std::string name_, help_;
    std::vector<std::string> label_names_;
    mutable std::mutex mu_;
    std::map<Labels, std::unique_ptr<std::atomic<uint64_t>>> series_;
};

class HistogramFamily {
  public:
    // `bounds`: the upper bounds of the buckets, increasing; +Inf is added.
    HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                    std::vector<double> bounds);
    void observe(const Labels& labels, double value);
    uint64_t count(const Labels& labels) const;
    void expose(std::string& out) const;

  private:
    struct Series {
        std::vector<uint64_t> buckets;  // per bound (not cumulative), then +Inf
        double sum = 0;
        uint64_t count = 0;
    };
    std::string name_, help_;
    std::vector<std::string> label_names_;
    std::vector<double> bounds_;
    mutable std::mutex mu_;
    std::map<Labels, Series> series_;
};

// A family whose samples are read when /metrics is asked for (a gauge, or a counter kept
// elsewhere): `read` returns (label values, value) pairs.
struct CallbackFamily {
    std::string name, help, type;  // type: "gauge" | "counter"
    std::vector<std::string> label_names;
    std::function<std::vector<std::pair<Labels, double>>()> read;
};

class Registry {
  public:
    // Families are created once at start-up and live as long as the registry. A name that is
    // invalid or already taken is a programming error: the family is still returned but not
    // exposed twice (tests check the names).
    CounterFamily& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
    HistogramFamily& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds);
    void callback(CallbackFamily family);
    // The whole exposition, families in registration order.
    std::string expose() const;

  private:
    struct Entry {
        std::unique_ptr<CounterFamily> counter;
        std::unique_ptr<HistogramFamily> histogram;
        std::unique_ptr<CallbackFamily> callback;
    };
    mutable std::mutex mu_;
    std::vector<Entry> entries_;
};

// The series text `name{a="x",b="y"} value\n` (labels escaped); no braces without labels.
void append_sample(std::string& out, std::string_view name,
                   const std::vector<std::string>& label_names, const Labels& labels,
                   std::string_view value, std::string_view extra_label = {},
                   std::string_view extra_value = {});

}  // namespace domus::telemetry
