#pragma once
// The loopback end of a native app's authorization request (RFC 8252 §7.3): a one-shot HTTP
// listener on 127.0.0.1 on a port the system picks, answering the browser's one GET.

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrlQuery>

class QTcpServer;
class QTcpSocket;

namespace outpost {

/// Listens on 127.0.0.1, port 0 (the system picks one), for the browser's redirect after the
/// user signed in. Only a GET of the redirect path ("/", with its query) is taken: it is
/// reported once with callbackReceived(), and its connection is held open until respond()
/// sends the page. Anything else gets a short 4xx and is closed: other paths (a favicon),
/// other methods, malformed or oversized requests (more than 8 KiB of head), a second
/// redirect. After the first redirect no new connection is accepted. Never reads a body, never
/// follows a request anywhere else.
class LoopbackRedirectServer : public QObject
{
    Q_OBJECT
public:
    /// A listener that does not listen yet (listen() starts it).
    explicit LoopbackRedirectServer(QObject *parent = nullptr);
    /// Closes everything still open (the page of a held request is not sent).
    ~LoopbackRedirectServer() override;

    /// Starts listening on 127.0.0.1 with a port from the system. The redirect URI then
    /// names `host`: "127.0.0.1" (RFC 8252 §8.3's choice) or "localhost", for which ::1 on
    /// the same port is served too, when the system allows (browsers may try it first).
    /// Returns false with *error set when no port could be opened.
    bool listen(const QString &host, QString *error);
    /// "http://HOST:PORT/" once listening, else empty.
    QString redirectUri() const;
    /// The port the system picked (0 before listen()).
    quint16 port() const;
    /// Sends the page for the redirect that callbackReceived() reported: `status` (200, 400)
    /// with `html` as text/html; charset=utf-8, then closes that connection gracefully. The
    /// connection lives on its own until the browser has read the page (at most 10 s), so
    /// this object may be deleted right after. Does nothing when no redirect is held.
    void respond(int status, const QByteArray &html);
    /// Stops listening and drops every connection, the held one too.
    void close();

signals:
    /// The browser came back to the redirect URI with this query (RFC 6749 §4.1.2); answer it
    /// with respond(). Emitted at most once.
    void callbackReceived(const QUrlQuery &query);

private:
    void onNewConnection(QTcpServer *server);
    void onReadyRead(QTcpSocket *socket);
    /// Answers `socket` with a short plain-text status page and closes it.
    void reject(QTcpSocket *socket, int status, const QByteArray &reason);
    void stopListening();

    QList<QTcpServer *> m_servers;
    QString m_host;
    quint16 m_port = 0;
    QHash<QTcpSocket *, QByteArray> m_buffers; ///< request head read so far, per connection
    QPointer<QTcpSocket> m_held;               ///< the redirect's connection, until respond()
    bool m_received = false;
};

/// The HTTP/1.1 response respond() writes: status line, Content-Type, Content-Length,
/// Connection: close, Cache-Control: no-store, Referrer-Policy: no-referrer, then `body`.
QByteArray loopbackHttpResponse(int status, const QByteArray &contentType, const QByteArray &body);

} // namespace outpost
