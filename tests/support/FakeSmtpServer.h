#pragma once
// The scripted fake SMTP server's sockets: a loopback listener per account and one
// ServerConnection per accepted TCP connection. CaseRunner (CaseRunner.h) decides what to
// write and when; these classes do the socket work and record what the outcome keys need.

#include "WireModel.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>

class QSocketNotifier;

namespace outpost::testsupport {

/// Paths and loading of the committed test certificates (tests/support/certs).
struct TestCerts
{
    /// Directory holding ca.pem, valid.pem/.key, wrong-host.*, self-signed.*, expired.*.
    static QString dir();
    /// The test CA certificate file (PEM), trusted by accounts through `tls.ca`.
    static QString caFile();
    /// Certificate and key of a kind: "valid", "wrong-host", "self-signed" or "expired".
    /// Returns false if the files are missing or unreadable.
    static bool load(const QString &kind, QSslCertificate *cert, QSslKey *key);
};

/// How the client ended a connection, as far as the server can tell.
enum class ClientClose
{
    Open,    ///< not closed by the client (yet)
    Fin,     ///< orderly close (TCP FIN)
    Reset,   ///< TCP RST
    Unknown, ///< closed, but neither FIN nor RST was seen before Qt closed the descriptor
};

/// One accepted TCP connection, server side. Reads everything the client sends into an
/// input buffer (unless reading is held, e.g. before a TLS handshake), keeps the complete
/// client byte stream and a transcript, and tells FIN from RST by looking at the kernel's
/// TCP state (TCP_INFO) before Qt reads the end of stream. Times are ms on the runner clock.
class ServerConnection : public QObject
{
    Q_OBJECT
public:
    ServerConnection(qintptr descriptor, const QString &account, int acceptIndex,
                     const QElapsedTimer *clock, QObject *parent = nullptr);
    ~ServerConnection() override;

    QString account() const { return m_account; }
    int acceptIndex() const { return m_acceptIndex; } ///< 1-based order of accept, per runner
    QSslSocket *socket() const { return m_socket; }

    /// Unconsumed client bytes.
    QByteArray &input() { return m_input; }
    /// Everything the client sent on this connection (decrypted under TLS).
    const QByteArray &wire() const { return m_wire; }
    /// Bytes of wire() that arrived before TLS was started (-1: TLS never started, all plain).
    qsizetype plainBytes() const { return m_plainBytes; }
    bool tlsActive() const { return m_tlsUp; }
    WireModel &model() { return m_model; }

    /// Stops or resumes taking bytes from the socket into input(). A new connection holds
    /// (so an implicit-TLS ClientHello stays in the socket) until this is called with false.
    void setHoldReading(bool hold);
    /// Stops reading for good and keeps the kernel from buffering much more (data-partial).
    void stopReading();
    /// Discards everything from now on (BLACKHOLE).
    void setBlackhole(bool on);
    bool blackhole() const { return m_blackhole; }

    /// Writes bytes in one write() and flushes (dropped if the connection is closed).
    void writeBytes(const QByteArray &bytes);
    /// Starts the server side of a TLS handshake with a certificate kind; emits
    /// tlsDone(true/false, error). Returns false if the certificate cannot be loaded.
    bool startTls(const QString &certKind);
    /// Flushes, then closes cleanly: TLS close_notify (if TLS is up) and TCP FIN.
    void closeGracefully();
    /// Resets the connection: SO_LINGER {1,0} and close, so the kernel sends RST.
    void abortWithReset();

    bool isOpen() const
    {
        return m_socket && m_socket->state() == QAbstractSocket::ConnectedState && !m_finished;
    }
    /// True once the connection is fully closed (by either side).
    bool isFinished() const { return m_finished; }
    bool serverClosedFirst() const { return m_serverClosed; }
    /// How the client closed (Open if it did not, or if the server closed first).
    ClientClose clientClose() const { return m_clientClose; }
    /// A TLS close_notify was received from the client.
    bool closeNotifyReceived() const { return m_closeNotify; }
    bool clientClosed() const { return m_clientClose != ClientClose::Open; }

    qint64 acceptedAt() const { return m_acceptedAt; }
    qint64 lastServerWriteAt() const { return m_lastWriteAt; }
    qint64 lastClientDataAt() const { return m_lastReadAt; }
    qint64 clientClosedAt() const { return m_clientClosedAt; } ///< -1 if open
    qint64 finishedAt() const { return m_finishedAt; }         ///< -1 if open

    /// Transcript lines "[   123 ms] C: ...", for failure messages.
    QStringList transcript(int maxLines = 60) const;
    void note(const QString &text);

signals:
    void dataArrived();
    void tlsDone(bool ok, const QString &error);
    void finished();

private:
    void readAvailable();
    void probeTcpState();
    void markFinished();
    void log(const char *dir, const QByteArray &bytes);
    qint64 now() const { return m_clock->elapsed(); }

    QSslSocket *m_socket = nullptr;
    QSocketNotifier *m_probe = nullptr;
    QString m_account;
    int m_acceptIndex = 0;
    const QElapsedTimer *m_clock;
    QByteArray m_input, m_wire;
    qsizetype m_plainBytes = -1;
    WireModel m_model;
    bool m_hold = true, m_stopped = false, m_blackhole = false;
    bool m_tlsUp = false, m_tlsStarting = false;
    bool m_serverClosed = false, m_finished = false, m_closeNotify = false;
    bool m_sawFin = false, m_sawReset = false;
    ClientClose m_clientClose = ClientClose::Open;
    qint64 m_acceptedAt = 0, m_lastWriteAt = 0, m_lastReadAt = -1;
    qint64 m_clientClosedAt = -1, m_finishedAt = -1, m_probeAt = -1;
    QStringList m_log;
};

/// A loopback SMTP listener for one account: 127.0.0.1, port 0 (chosen by the kernel).
/// `SERVER: down` closes the listening socket so connection attempts are refused by the
/// kernel (RST to the SYN) and counted through connectAttempts(); `up` listens again on the
/// same port.
class FakeSmtpServer : public QTcpServer
{
    Q_OBJECT
public:
    FakeSmtpServer(const QString &account, const QElapsedTimer *clock, QObject *parent = nullptr);

    /// Starts listening; false with *error on failure.
    bool start(QString *error);
    quint16 port() const { return m_port; }
    QString account() const { return m_account; }
    /// Refuses (down=true) or accepts again (false). Returns false if the port cannot be
    /// reopened.
    bool setDown(bool down, QString *error = nullptr);
    bool isDown() const { return m_down; }
    /// Connection attempts this process made while the server was down.
    int refusedAttempts() const;
    /// Accepted connections (never deleted before the server).
    const QList<ServerConnection *> &connections() const { return m_connections; }
    /// Index given to the next accepted connection; shared between servers by the runner.
    void setAcceptCounter(int *counter) { m_counter = counter; }

signals:
    void accepted(outpost::testsupport::ServerConnection *connection);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    QString m_account;
    const QElapsedTimer *m_clock;
    quint16 m_port = 0;
    bool m_down = false;
    int m_attemptsAtDown = 0;
    int m_refused = 0;
    int *m_counter = nullptr;
    int m_ownCounter = 0;
    QList<ServerConnection *> m_connections;
};

/// Escapes bytes for logs: printable ASCII as is, \r \n \t, \xHH otherwise; cut at max.
QString printable(const QByteArray &bytes, int max = 300);

} // namespace outpost::testsupport
