#pragma once
// Runs one scripted-server case (tests/cases/README.md, format v1) in process: plays the
// dialogue on FakeSmtpServer listeners (one per account), drives the application under test
// through a CaseApp, and checks CHECK/EXPECT/ALT outcomes. Everything is event driven: the
// runner spins a QEventLoop and never sleeps.

#include "CaseFile.h"
#include "FakeSmtpServer.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QMap>
#include <QObject>
#include <QPointer>

#include <functional>
#include <optional>

class QEventLoop;
class QTimer;

namespace outpost::testsupport {

/// A message as the application reports it (message keys of the README).
struct MessageView
{
    QString state;      ///< queued sending sent failed held, or "rejected" (refused at enqueue)
    QString errorClass; ///< "" or transient permanent auth tls certificate protocol timeout network
                        ///< local
    int lastReplyCode = 0;
    QString lastReplyText;             ///< the text after the code (and enhanced code)
    QMap<QString, QString> recipients; ///< lower-case address -> sent | failed | queued
    int attempts = 0;
    bool uncertain = false;
    QByteArray messageId;     ///< without angle brackets
    QDateTime queuedAt;       ///< when the case queued it
    QStringList historyNotes; ///< notes of its history entries, in order, each once
    QString delivery = QStringLiteral("null"); ///< a sent message's "complete" or "partial"
};

/// What the runner tells the application before the dialogue starts.
struct CaseEnvironment
{
    const CaseFile *caseFile = nullptr;
    QMap<QString, quint16> ports;         ///< account -> the harness port
    QString caFile;                       ///< the test CA (PEM)
    QString dataDir;                      ///< an empty temporary directory for this case
    const QElapsedTimer *clock = nullptr; ///< the runner clock (ms)
};

/// The application under test, as the runner drives it. Implementations: the core Service
/// (tests/protocol/tst_cases.cpp) and a tiny SMTP client (tests/support self-test).
class CaseApp
{
public:
    virtual ~CaseApp() = default;
    /// Prepares the app (accounts, settings, passwords). false with *error on failure.
    virtual bool setUp(const CaseEnvironment &env, QString *error) = 0;
    /// Runs an APP event other than `sleep`; calls done("") once it has run, or done(reason)
    /// if it could not be run at all. A message refused at enqueue is not an error: the app
    /// reports it as state "rejected".
    virtual void runEvent(const AppEvent &event,
                          std::function<void(const QString &error)> done) = 0;
    /// True while something is in flight or due now (the runner waits for idle at CHECK and
    /// at the end).
    virtual bool busy() const = 0;
    virtual std::optional<MessageView> message(const QString &id) const = 0;
    /// User-visible failure notices for a message id of the case ("" = all).
    virtual int notices(const QString &id) const = 0;
    /// False if the app crashed or reported an internal failure.
    virtual bool alive() const { return true; }
    /// Runner-clock ms at which the app finished exiting after `APP: quit`; -1 if it has not.
    virtual qint64 exitedAt() const = 0;
    /// Extra lines for failure reports (protocol log, errors).
    virtual QStringList diagnostics() const { return {}; }
    /// Called after the outcome was checked.
    virtual void tearDown() {}
};

/// Runs one case. Create, call run(), then read failures()/report().
class CaseRunner : public QObject
{
    Q_OBJECT
public:
    CaseRunner(const CaseFile &caseFile, CaseApp *app, QObject *parent = nullptr);
    ~CaseRunner() override;

    /// Runs the case to its end (or maxMs). Returns true if every directive matched and
    /// every outcome held.
    bool run(const QString &dataDir, int maxMs = 240000);
    QStringList failures() const { return m_failures; }
    /// True when the dialogue ended early at a MAY-ABORT (ALT outcomes applied).
    bool endedEarly() const { return m_endedEarly; }
    /// Failures, transcripts of every connection, the app's view of each message, diagnostics.
    QString report() const;
    /// ms since the runner started.
    qint64 now() const { return m_clock.elapsed(); }

    /// Checks one outcome condition now; *detail says what was seen.
    bool evaluate(const Condition &c, QString *detail) const;

private:
    enum class Phase
    {
        Running,
        Finishing,
        Done
    };
    struct Step
    {
        Directive d;
        bool started = false;
        bool done = false;
        bool mayAbort = false;
        int prevSameConn = -1;
        int lastBarrier = -1;
        bool barrier = false;
        bool firstOfConn = false;
    };
    struct Conn
    {
        int n = 0;
        QString account;
        QPointer<ServerConnection> sc;
        int current = -1;
        int gen = 0;
        bool skipSends = false;
        bool tail = false;
        bool tlsFailed = false;
        int lastStep = -1;
        qint64 stepStartedAt = 0;
    };
    struct Capture
    {
        const WirePayload *payload = nullptr;
        int conn = 0;       // accept index
        QByteArray message; // unstuffed (prefix for partial payloads)
        QByteArray messageId;
    };

    void compile();
    void advance();
    bool depsDone(int i) const;
    void startStep(int i);
    void startConnStep(Conn &c, int i);
    void startBarrier(int i);
    void complete(int i);
    void fail(int i, const QString &why);
    void endEarly(int i, const QString &why);
    void pump(Conn &c);
    void processTail(Conn &c);
    void onAccepted(ServerConnection *sc);
    void onConnEvent(ServerConnection *sc);
    void tryClaims();
    void clientGone(Conn &c, int i, const QString &waitingFor);
    int nextStepOfConn(int i) const;
    qint64 commandTimeout(const Conn &c) const;
    void armConnTimer(Conn &c, qint64 ms, std::function<void()> f);
    void whenIdle(qint64 idleMs, qint64 maxMs, std::function<void(bool idle)> f);
    void pollIdle();
    void beginFinal();
    void finish();
    void checkConditions(const QList<Condition> &conds, const QString &what);

    // outcome helpers
    QList<ServerConnection *> allConnections() const;
    QList<Capture> captures() const;
    QList<Capture> capturesOf(const QString &id, bool completeOnly = true) const;
    ServerConnection *connByNumber(int n) const;

    const CaseFile &m_case;
    CaseApp *m_app;
    QElapsedTimer m_clock;
    QMap<QString, FakeSmtpServer *> m_servers;
    int m_acceptCounter = 0;
    QList<Step> m_steps;
    QMap<int, Conn> m_conns;
    QHash<ServerConnection *, int> m_connOf;
    QList<ServerConnection *> m_unclaimed;
    QList<QList<Condition>> m_expects, m_alts;
    QStringList m_failures;
    QStringList m_notes;
    Phase m_phase = Phase::Running;
    bool m_inAdvance = false, m_advanceAgain = false;
    bool m_endedEarly = false;
    qint64 m_lastActivity = 0;
    qint64 m_quitAt = -1;
    QList<std::tuple<qint64, qint64, qint64, std::function<void(bool)>>>
        m_idleWaiters; // idleMs, deadline, id
    qint64 m_waiterId = 0;
    QTimer *m_pollTimer = nullptr;
    QEventLoop *m_loop = nullptr;
    mutable std::optional<QList<Capture>> m_captureCache;
};

} // namespace outpost::testsupport
