#pragma once
// The TLS policy every Outpost connection follows, SMTP submission and IMAP alike: the system
// trust store plus the account's extra CAs, full peer verification against the configured
// host name, and an optional SHA-256 pin of the leaf certificate that replaces CA trust.

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QString>
#include <QStringList>

class QSslSocket;

namespace outpost {

/// What an account trusts (design.md §2): the system store, `extraCaCertificates`, and when
/// `pinSha256` is set only the leaf certificate with that fingerprint.
struct TlsPolicy
{
    QString host;                               ///< the name the certificate must carry
    QList<QSslCertificate> extraCaCertificates; ///< trusted in addition to the system store
    QByteArray pinSha256; ///< raw 32-byte SHA-256 of the only leaf certificate to accept
};

/// Sets up `socket` for `policy` before it connects: peer verification (VerifyPeer) against
/// the system store plus the extra CAs, the peer name `policy.host` (also SNI), and
/// TCP_NODELAY (protocol lines are small and answered one by one).
void applyTlsPolicy(QSslSocket *socket, const TlsPolicy &policy);

/// For QSslSocket::sslErrors: true when the pin accepts the peer's leaf certificate in spite
/// of `errors` (the caller then ignores them). A pin means "only this certificate", so a
/// matching pin is the only reason to go on.
bool pinAcceptsPeer(const QSslSocket *socket, const TlsPolicy &policy);

/// After QSslSocket::encrypted: why the pin refuses the certificate the server presented
/// (a pin accepts exactly one leaf, even where a trusted CA signed another), or an empty
/// string when there is no pin or it matches.
QString pinRefusal(const QSslSocket *socket, const TlsPolicy &policy);

/// The peer's certificate chain as PEM blocks, leaf first: what the user is shown when the
/// certificate is not trusted.
QList<QByteArray> peerChainPem(const QSslSocket *socket);

/// What a user needs to decide whether to trust a server's certificate, read from the
/// certificate itself (never from the words of an error).
struct CertificateFacts
{
    QByteArray sha256;       ///< SHA-256 of the DER certificate: what a pin (TlsPolicy) compares
    QStringList names;       ///< the subject's common name, then its DNS subject alternative names
    QString issuer;          ///< the issuer's common name, else its organisation
    bool selfSigned = false; ///< issued by itself: no authority vouches for it
    QDateTime notBefore;     ///< valid from (UTC)
    QDateTime notAfter;      ///< valid until (UTC)

    /// The fingerprint as `--pin-sha256` takes it: 64 lower-case hex digits.
    QString pinHex() const { return QString::fromLatin1(sha256.toHex()); }
};

/// The facts of each certificate of a chain given as PEM blocks (peerChainPem(), leaf first);
/// a block that holds no readable certificate is left out.
QList<CertificateFacts> certificateFacts(const QList<QByteArray> &chainPem);

/// The error strings of `errors`, in order.
QStringList sslErrorStrings(const QList<QSslError> &errors);

/// True for "localhost" and loopback addresses (127.0.0.0/8, ::1): the only hosts credentials
/// may go to without TLS, and only when an account allows it explicitly.
bool isLoopbackHost(const QString &host);

} // namespace outpost
