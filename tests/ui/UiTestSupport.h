#pragma once
// Shared set-up of the UI tests: a real Service on a temporary data directory, with an
// in-memory credential store, no single-instance lock, working offline, and an account whose
// server is a closed loopback port, so nothing can ever be sent.

#include "accounts/AccountStore.h"
#include "accounts/CredentialStore.h"
#include "outbox/Connectivity.h"
#include "outbox/Service.h"
#include "storage/Database.h"
#include "storage/Storage.h"

#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWidget>

#include <memory>

namespace outpost::test {

/// A loopback port nothing listens on (bound once, then closed).
inline quint16 closedPort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    const quint16 p = s.serverPort();
    s.close();
    return p;
}

struct UiFixture
{
    QTemporaryDir dir;
    MemoryCredentialStore credentials;
    CredentialStore *credentialsOverride = nullptr; ///< used instead of `credentials` when set
    std::unique_ptr<Service> service;

    /// Opens the Service; adds the account "work" (default) when `withAccount`.
    bool open(bool withAccount = true)
    {
        if (!dir.isValid())
            return false;
        ServiceOptions o;
        o.dataDir = dir.path();
        o.credentials = credentialsOverride ? credentialsOverride : &credentials;
        o.singleInstance = false;
        service = std::make_unique<Service>(o);
        QString error;
        if (!service->open(&error)) {
            qWarning("open: %s", qPrintable(error));
            return false;
        }
        service->connectivity()->setWorkOffline(true);
        if (withAccount) {
            Account a;
            a.name = QStringLiteral("work");
            a.host = QStringLiteral("127.0.0.1");
            a.port = closedPort();
            a.security = Security::None;
            a.auth = QStringLiteral("none");
            a.from = QStringLiteral("Alice Example <alice@example.org>");
            if (!service->accounts()->add(a, &error)) {
                qWarning("add account: %s", qPrintable(error));
                return false;
            }
            service->accounts()->setDefaultAccount(a.name, &error);
        }
        return true;
    }
};

/// Saves a screenshot of a widget under ${OUTPOST_BINARY_DIR}/artifacts (or the working
/// directory) and returns the path; empty on failure.
inline QString saveScreenshot(QWidget *w, const QString &name)
{
    QString base = qEnvironmentVariable("OUTPOST_BINARY_DIR");
    if (base.isEmpty())
        base = QDir::currentPath();
    QDir d(base);
    d.mkpath(QStringLiteral("artifacts"));
    const QString path = d.filePath(QStringLiteral("artifacts/") + name);
    const QPixmap pm = w->grab();
    if (pm.isNull() || !pm.save(path, "PNG"))
        return {};
    return path;
}

/// The visible QMessageBox whose objectName is `name` (any when empty), or nullptr.
inline QMessageBox *findMessageBox(const QString &name = {})
{
    for (QWidget *w : QApplication::topLevelWidgets()) {
        auto *box = qobject_cast<QMessageBox *>(w);
        if (box && box->isVisible() && (name.isEmpty() || box->objectName() == name))
            return box;
    }
    // Boxes opened with a parent are not top-level in the widget list: look among children.
    for (QWidget *w : QApplication::topLevelWidgets()) {
        for (auto *box : w->findChildren<QMessageBox *>()) {
            if (box->isVisible() && (name.isEmpty() || box->objectName() == name))
                return box;
        }
    }
    return nullptr;
}

/// Clicks a standard button of a message box.
inline void clickButton(QMessageBox *box, QMessageBox::StandardButton which)
{
    QAbstractButton *b = box->button(which);
    QVERIFY(b);
    b->click();
}

} // namespace outpost::test
