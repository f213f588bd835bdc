#include "FakeSmtpServer.h"

#include "ConnectCounter.h"

#include <QFile>
#include <QSocketNotifier>
#include <QSslCipher>
#include <QSslConfiguration>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace outpost::testsupport {

QString printable(const QByteArray &bytes, int max)
{
    QString out;
    const qsizetype n = std::min<qsizetype>(bytes.size(), max);
    for (qsizetype i = 0; i < n; ++i) {
        const uchar c = uchar(bytes[i]);
        if (c == '\r')
            out += QLatin1String("\\r");
        else if (c == '\n')
            out += QLatin1String("\\n");
        else if (c == '\t')
            out += QLatin1String("\\t");
        else if (c == '\\')
            out += QLatin1String("\\\\");
        else if (c >= 0x20 && c < 0x7f)
            out += QLatin1Char(char(c));
        else
            out += QStringLiteral("\\x%1")
                       .arg(c, 2, 16, QLatin1Char('0'))
                       .toUpper()
                       .replace(QLatin1Char('X'), QLatin1Char('x'));
    }
    if (bytes.size() > n)
        out += QStringLiteral("…(%1 bytes)").arg(bytes.size());
    return out;
}

// ---------------------------------------------------------------- TestCerts

QString TestCerts::dir()
{
    const QByteArray env = qgetenv("OUTPOST_TEST_CERTS_DIR");
    return env.isEmpty() ? QStringLiteral(OUTPOST_TEST_CERTS_DIR) : QString::fromLocal8Bit(env);
}

QString TestCerts::caFile()
{
    return dir() + QStringLiteral("/ca.pem");
}

bool TestCerts::load(const QString &kind, QSslCertificate *cert, QSslKey *key)
{
    QFile c(dir() + QLatin1Char('/') + kind + QStringLiteral(".pem"));
    QFile k(dir() + QLatin1Char('/') + kind + QStringLiteral(".key"));
    if (!c.open(QIODevice::ReadOnly) || !k.open(QIODevice::ReadOnly))
        return false;
    *cert = QSslCertificate(c.readAll(), QSsl::Pem);
    *key = QSslKey(k.readAll(), QSsl::Rsa, QSsl::Pem, QSsl::PrivateKey);
    return !cert->isNull() && !key->isNull();
}

// ---------------------------------------------------------------- ServerConnection

ServerConnection::ServerConnection(qintptr descriptor, const QString &account, int acceptIndex,
                                   const QElapsedTimer *clock, QObject *parent)
    : QObject(parent)
    , m_account(account)
    , m_acceptIndex(acceptIndex)
    , m_clock(clock)
{
    m_acceptedAt = now();
    m_lastWriteAt = m_acceptedAt;
    // Created before the socket's own notifier, so it runs first on each read event and
    // sees the kernel's TCP state before Qt reads the end of stream and closes the fd.
    m_probe = new QSocketNotifier(descriptor, QSocketNotifier::Read, this);
    connect(m_probe, &QSocketNotifier::activated, this, [this] { probeTcpState(); });

    m_socket = new QSslSocket(this);
    m_socket->setSocketDescriptor(descriptor);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QSslSocket::readyRead, this, [this] { readAvailable(); });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        m_tlsUp = true;
        m_tlsStarting = false;
        note(QStringLiteral("TLS up (%1)").arg(m_socket->sessionCipher().name()));
        emit tlsDone(true, {});
    });
    connect(m_socket, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (m_probe)
            m_probe->setEnabled(false);
        const QString text = m_socket->errorString();
        if (e == QAbstractSocket::RemoteHostClosedError &&
            text.contains(QLatin1String("TLS/SSL connection has been closed")))
            m_closeNotify = true;
        note(QStringLiteral("socket error %1: %2").arg(int(e)).arg(text));
        if (m_tlsStarting && e != QAbstractSocket::RemoteHostClosedError) {
            m_tlsStarting = false;
            emit tlsDone(false, text);
        }
    });
    connect(m_socket, &QSslSocket::stateChanged, this, [this](QAbstractSocket::SocketState s) {
        if (s == QAbstractSocket::UnconnectedState || s == QAbstractSocket::ClosingState) {
            if (m_probe)
                m_probe->setEnabled(false);
        }
        if (s == QAbstractSocket::UnconnectedState)
            markFinished();
    });
}

ServerConnection::~ServerConnection()
{
    delete m_probe;
    m_probe = nullptr;
}

void ServerConnection::probeTcpState()
{
    if (m_sawFin || m_sawReset || m_finished || m_serverClosed)
        return;
    tcp_info info{};
    socklen_t len = sizeof(info);
    if (getsockopt(int(m_probe->socket()), IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
        return;
    if (info.tcpi_state == TCP_CLOSE_WAIT) {
        m_sawFin = true;
    } else if (info.tcpi_state == TCP_CLOSE) {
        m_sawReset = true;
    } else {
        return;
    }
    m_probeAt = now();
    note(m_sawFin ? QStringLiteral("client FIN") : QStringLiteral("client RST"));
    m_probe->setEnabled(false);
}

void ServerConnection::markFinished()
{
    if (m_finished)
        return;
    // a last look at bytes Qt buffered but did not announce
    if (!m_serverClosed && m_socket->bytesAvailable() > 0)
        readAvailable();
    m_finished = true;
    m_finishedAt = now();
    if (!m_serverClosed) {
        m_clientClose = m_sawReset ? ClientClose::Reset
                        : m_sawFin ? ClientClose::Fin
                                   : ClientClose::Unknown;
        m_clientClosedAt = m_probeAt >= 0 ? m_probeAt : m_finishedAt;
        note(QStringLiteral("closed by client (%1%2)")
                 .arg(m_clientClose == ClientClose::Reset ? QStringLiteral("RST")
                      : m_clientClose == ClientClose::Fin ? QStringLiteral("FIN")
                                                          : QStringLiteral("FIN or RST"),
                      m_closeNotify ? QStringLiteral(", close_notify") : QString()));
    } else {
        note(QStringLiteral("closed"));
    }
    emit finished();
}

void ServerConnection::readAvailable()
{
    if (m_hold || m_stopped || !m_socket || !m_socket->isOpen())
        return;
    const QByteArray b = m_socket->readAll();
    if (b.isEmpty())
        return;
    m_lastReadAt = now();
    m_wire += b;
    m_model.clientBytes(b);
    log("C", b);
    if (!m_blackhole)
        m_input += b;
    emit dataArrived();
}

void ServerConnection::setHoldReading(bool hold)
{
    if (m_hold == hold)
        return;
    m_hold = hold;
    if (!hold)
        QMetaObject::invokeMethod(
            this, [this] { readAvailable(); }, Qt::QueuedConnection);
}

void ServerConnection::stopReading()
{
    m_stopped = true;
    if (m_probe)
        m_probe->setEnabled(false);
    m_socket->setReadBufferSize(64 * 1024);
    note(QStringLiteral("harness stops reading"));
}

void ServerConnection::setBlackhole(bool on)
{
    m_blackhole = on;
    if (on)
        m_input.clear();
}

void ServerConnection::writeBytes(const QByteArray &bytes)
{
    if (m_finished || m_serverClosed || m_socket->state() != QAbstractSocket::ConnectedState) {
        log("S(dropped)", bytes);
        return;
    }
    m_socket->write(bytes);
    m_socket->flush();
    m_lastWriteAt = now();
    m_model.serverBytes(bytes);
    log("S", bytes);
}

bool ServerConnection::startTls(const QString &certKind)
{
    QSslCertificate cert;
    QSslKey key;
    if (!TestCerts::load(certKind, &cert, &key))
        return false;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setLocalCertificate(cert);
    conf.setPrivateKey(key);
    conf.setPeerVerifyMode(QSslSocket::VerifyNone);
    conf.setProtocol(QSsl::TlsV1_2OrLater);
    m_socket->setSslConfiguration(conf);
    m_plainBytes = m_wire.size();
    m_tlsStarting = true;
    note(QStringLiteral("TLS handshake (cert=%1)").arg(certKind));
    if (m_finished) {
        m_tlsStarting = false;
        QMetaObject::invokeMethod(
            this, [this] { emit tlsDone(false, QStringLiteral("connection already closed")); },
            Qt::QueuedConnection);
        return true;
    }
    connect(this, &ServerConnection::finished, this, [this] {
        if (m_tlsStarting) {
            m_tlsStarting = false;
            emit tlsDone(false, QStringLiteral("connection closed during the TLS handshake"));
        }
    });
    m_socket->startServerEncryption();
    return true;
}

void ServerConnection::closeGracefully()
{
    if (m_finished)
        return;
    m_serverClosed = true;
    if (m_probe)
        m_probe->setEnabled(false);
    note(m_tlsUp ? QStringLiteral("server closes (close_notify, FIN)")
                 : QStringLiteral("server closes (FIN)"));
    m_socket->disconnectFromHost();
}

void ServerConnection::abortWithReset()
{
    if (m_finished)
        return;
    m_serverClosed = true;
    if (m_probe)
        m_probe->setEnabled(false);
    const linger l{1, 0};
    setsockopt(int(m_socket->socketDescriptor()), SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    note(QStringLiteral("server resets (RST)"));
    m_socket->abort();
    markFinished();
}

void ServerConnection::note(const QString &text)
{
    if (m_log.size() < 5000)
        m_log << QStringLiteral("[%1 ms] -- %2").arg(now(), 6).arg(text);
}

void ServerConnection::log(const char *dir, const QByteArray &bytes)
{
    if (m_log.size() < 5000)
        m_log << QStringLiteral("[%1 ms] %2: %3")
                     .arg(now(), 6)
                     .arg(QLatin1String(dir), printable(bytes, 240));
}

QStringList ServerConnection::transcript(int maxLines) const
{
    if (m_log.size() <= maxLines)
        return m_log;
    QStringList out = m_log.mid(0, maxLines / 2);
    out << QStringLiteral("… %1 lines …").arg(m_log.size() - maxLines);
    out += m_log.mid(m_log.size() - maxLines / 2);
    return out;
}

// ---------------------------------------------------------------- FakeSmtpServer

FakeSmtpServer::FakeSmtpServer(const QString &account, const QElapsedTimer *clock, QObject *parent)
    : QTcpServer(parent)
    , m_account(account)
    , m_clock(clock)
    , m_counter(&m_ownCounter)
{}

bool FakeSmtpServer::start(QString *error)
{
    if (!listen(QHostAddress::LocalHost, 0)) {
        if (error)
            *error = errorString();
        return false;
    }
    m_port = serverPort();
    return true;
}

bool FakeSmtpServer::setDown(bool down, QString *error)
{
    if (down == m_down)
        return true;
    if (down) {
        m_attemptsAtDown = connectAttempts(m_port);
        close();
        m_down = true;
        return true;
    }
    m_refused += connectAttempts(m_port) - m_attemptsAtDown;
    m_down = false;
    if (!listen(QHostAddress::LocalHost, m_port)) {
        if (error)
            *error =
                QStringLiteral("cannot listen on port %1 again: %2").arg(m_port).arg(errorString());
        return false;
    }
    return true;
}

int FakeSmtpServer::refusedAttempts() const
{
    return m_refused + (m_down ? connectAttempts(m_port) - m_attemptsAtDown : 0);
}

void FakeSmtpServer::incomingConnection(qintptr descriptor)
{
    const int index = ++(*m_counter);
    auto *c = new ServerConnection(descriptor, m_account, index, m_clock, this);
    m_connections.append(c);
    c->note(QStringLiteral("accepted on account %1 port %2").arg(m_account).arg(m_port));
    emit accepted(c);
}

} // namespace outpost::testsupport
