#include "LoopbackRedirectServer.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

namespace outpost {

namespace {

/// The longest request head read (octets): a browser's GET with the code fits in far less.
constexpr qsizetype kMaxHead = 8 * 1024;
/// Connections served at once: browsers open a few speculative ones, nobody needs more.
constexpr qsizetype kMaxConnections = 16;
/// How long an answered connection may take to read its page before it is dropped.
constexpr int kLingerMs = 10000;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Error";
    }
}

} // namespace

QByteArray loopbackHttpResponse(int status, const QByteArray &contentType, const QByteArray &body)
{
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) +
           "\r\n"
           "Content-Type: " +
           contentType +
           "\r\n"
           "Content-Length: " +
           QByteArray::number(body.size()) +
           "\r\n"
           "Connection: close\r\n"
           "Cache-Control: no-store\r\n"
           "Referrer-Policy: no-referrer\r\n"
           "\r\n" +
           body;
}

LoopbackRedirectServer::LoopbackRedirectServer(QObject *parent)
    : QObject(parent)
{}

LoopbackRedirectServer::~LoopbackRedirectServer()
{
    close();
}

bool LoopbackRedirectServer::listen(const QString &host, QString *error)
{
    close();
    auto *v4 = new QTcpServer(this);
    if (!v4->listen(QHostAddress::LocalHost, 0)) {
        if (error)
            *error = QStringLiteral("cannot listen on 127.0.0.1: %1").arg(v4->errorString());
        delete v4;
        return false;
    }
    m_servers << v4;
    m_port = v4->serverPort();
    m_host = host.isEmpty() ? QStringLiteral("127.0.0.1") : host;
    if (m_host == QLatin1String("localhost")) {
        // Best effort: a system without IPv6 (or with the port taken there) still has
        // 127.0.0.1, which browsers fall back to.
        auto *v6 = new QTcpServer(this);
        if (v6->listen(QHostAddress::LocalHostIPv6, m_port))
            m_servers << v6;
        else
            delete v6;
    }
    for (QTcpServer *server : std::as_const(m_servers)) {
        server->setMaxPendingConnections(int(kMaxConnections));
        connect(server, &QTcpServer::newConnection, this,
                [this, server] { onNewConnection(server); });
    }
    m_received = false;
    return true;
}

QString LoopbackRedirectServer::redirectUri() const
{
    if (m_port == 0)
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("http"));
    url.setHost(m_host);
    url.setPort(m_port);
    url.setPath(QStringLiteral("/"));
    return url.toString(QUrl::FullyEncoded);
}

quint16 LoopbackRedirectServer::port() const
{
    return m_port;
}

void LoopbackRedirectServer::onNewConnection(QTcpServer *server)
{
    while (server->hasPendingConnections()) {
        QTcpSocket *socket = server->nextPendingConnection();
        // Owned here, not by the server: stopListening() deletes the servers while the held
        // connection still waits for its page.
        socket->setParent(this);
        if (m_received || m_buffers.size() >= kMaxConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        m_buffers.insert(socket, {});
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { onReadyRead(socket); });
        connect(socket, &QTcpSocket::disconnected, this, [this, socket] {
            m_buffers.remove(socket);
            socket->deleteLater();
        });
    }
}

void LoopbackRedirectServer::onReadyRead(QTcpSocket *socket)
{
    auto it = m_buffers.find(socket);
    if (it == m_buffers.end() || socket == m_held)
        return;
    it->append(socket->read(kMaxHead + 1 - it->size()));
    const qsizetype end = it->indexOf("\r\n\r\n");
    if (end < 0) {
        if (it->size() > kMaxHead)
            reject(socket, 431, "request too large");
        return;
    }
    const QByteArray requestLine = it->left(it->indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.")) {
        reject(socket, 400, "malformed request");
        return;
    }
    if (parts[0] != "GET") {
        reject(socket, 405, "only GET is served here");
        return;
    }
    const QByteArray &target = parts[1];
    const QUrl url = QUrl::fromEncoded(target);
    if (!target.startsWith('/') || !url.isValid() || !url.scheme().isEmpty() ||
        !url.host().isEmpty()) {
        reject(socket, 400, "malformed request target");
        return;
    }
    if (url.path() != QLatin1String("/")) {
        reject(socket, 404, "not found");
        return;
    }
    if (m_received) {
        reject(socket, 409, "the sign-in already came back");
        return;
    }
    m_received = true;
    m_held = socket;
    stopListening();
    emit callbackReceived(QUrlQuery(url.query(QUrl::FullyEncoded)));
}

void LoopbackRedirectServer::respond(int status, const QByteArray &html)
{
    if (!m_held)
        return;
    QTcpSocket *socket = m_held;
    m_held = nullptr;
    m_buffers.remove(socket);
    socket->disconnect(this);
    // From here the socket lives on its own: the caller may delete this object right away
    // (the flow has finished) and the browser still gets its page. The application keeps it
    // (and deletes it at exit at the latest) where it lives in the application's thread.
    QObject *keeper = QCoreApplication::instance();
    socket->setParent(keeper && keeper->thread() == socket->thread() ? keeper : nullptr);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(kLingerMs, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
    socket->write(loopbackHttpResponse(status, "text/html; charset=utf-8", html));
    socket->disconnectFromHost();
}

void LoopbackRedirectServer::reject(QTcpSocket *socket, int status, const QByteArray &reason)
{
    m_buffers.remove(socket);
    socket->disconnect(this);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    // Whatever the client still sends is read and dropped: closing with unread bytes would
    // make the kernel answer with a reset, and the client could lose the answer.
    socket->readAll();
    connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
    socket->write(loopbackHttpResponse(status, "text/plain; charset=utf-8", reason + '\n'));
    socket->disconnectFromHost();
}

void LoopbackRedirectServer::stopListening()
{
    for (QTcpServer *server : std::as_const(m_servers)) {
        server->close();
        server->deleteLater();
    }
    m_servers.clear();
}

void LoopbackRedirectServer::close()
{
    stopListening();
    const QList<QTcpSocket *> sockets = m_buffers.keys();
    m_buffers.clear();
    for (QTcpSocket *socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    if (m_held) {
        m_held->disconnect(this);
        m_held->abort();
        m_held->deleteLater();
        m_held = nullptr;
    }
    for (QObject *child : children()) {
        // Rejected connections still finishing their short answer.
        if (auto *socket = qobject_cast<QTcpSocket *>(child)) {
            socket->abort();
            socket->deleteLater();
        }
    }
}

} // namespace outpost
