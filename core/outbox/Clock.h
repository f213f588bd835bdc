#pragma once

#include <QDateTime>

namespace outpost {

/// Where core reads the time, so backoff and schedules are testable without sleeping.
class Clock
{
public:
    virtual ~Clock() = default;
    /// Milliseconds since the Unix epoch (UTC).
    virtual qint64 nowMs() const = 0;
    QDateTime now() const { return QDateTime::fromMSecsSinceEpoch(nowMs()); }
};

/// The real clock.
class SystemClock : public Clock
{
public:
    qint64 nowMs() const override { return QDateTime::currentMSecsSinceEpoch(); }
    /// A process-wide instance.
    static SystemClock *instance()
    {
        static SystemClock c;
        return &c;
    }
};

/// A clock that moves only when told to (tests).
class MockClock : public Clock
{
public:
    explicit MockClock(qint64 startMs = 1'700'000'000'000)
        : m_now(startMs)
    {}
    qint64 nowMs() const override { return m_now; }
    void advance(qint64 ms) { m_now += ms; }
    void set(qint64 ms) { m_now = ms; }

private:
    qint64 m_now;
};

} // namespace outpost
