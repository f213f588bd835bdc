#pragma once

#include <QObject>

class QSocketNotifier;

namespace outpost {

/// Turns SIGTERM, SIGINT and SIGHUP into a Qt signal, so that the app shuts down gracefully
/// (QUIT to every server) instead of dying. The handler only writes one byte to a
/// socketpair (the self-pipe trick); all work happens in the event loop. On Windows it does
/// nothing (console close and logoff reach Qt as aboutToQuit / commitDataRequest there).
class SignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit SignalWatcher(QObject *parent = nullptr);
    ~SignalWatcher() override;

signals:
    /// A termination signal arrived (`signal` is its number). Emitted once per signal.
    void terminationRequested(int signal);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace outpost
