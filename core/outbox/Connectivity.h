#pragma once

#include <QObject>

namespace outpost {

/// Whether Outpost may try to send now (design.md §4 "Connectivity").
///
/// Three sources: the system's reachability from QNetworkInformation where a backend loads
/// (often none does: then it is Unknown, and real connection attempts decide, with the
/// dispatcher's backoff as the probe), an override for tests, and the user's "Work offline".
class Connectivity : public QObject
{
    Q_OBJECT
public:
    enum class Reachability
    {
        Unknown,
        Online,
        Offline
    };
    Q_ENUM(Reachability)

    explicit Connectivity(QObject *parent = nullptr);

    /// Loads the platform's QNetworkInformation backend, if any. Returns whether one loaded.
    bool useSystemBackend();
    /// Forces a reachability (tests, `APP: offline`); Unknown hands back to the system.
    void setOverride(Reachability r);
    /// The user's "Work offline" switch: while on, nothing is sent.
    void setWorkOffline(bool on);
    bool workOffline() const { return m_workOffline; }
    Reachability reachability() const;
    /// False while working offline or while the system (or the override) says offline.
    bool canSend() const { return !m_workOffline && reachability() != Reachability::Offline; }

signals:
    /// canSend() or reachability() changed. `cameOnline` is true when sending just became
    /// possible again.
    void changed(bool cameOnline);

private:
    void update();
    Reachability m_system = Reachability::Unknown;
    Reachability m_override = Reachability::Unknown;
    bool m_workOffline = false;
    bool m_couldSend = true;
};

} // namespace outpost
