#pragma once

#include "outbox/Notice.h"
#include "storage/OutboxTypes.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <optional>

namespace outpost {
class Service;
}

namespace outpost::ui {

class AccountDialog;
class CertificateDialog;
class ComposeWindow;
class MainWindow;
class TrayController;

/// The desktop front end on a running Service: main window, tray, compose windows, account
/// and certificate dialogs, notifications (design.md §5). The app (app/main.cpp) creates it
/// after Service::open(), calls start(), and answers quitRequested() by running
/// Service::shutdown() and leaving the event loop.
///
/// It turns QGuiApplication::quitOnLastWindowClosed off: the app must not end without the
/// graceful shutdown, so closing the last window never quits by itself. With a tray, closing
/// the main window only hides it; without one, closing asks and then emits quitRequested().
/// When the application quits (QCoreApplication::quit()), no window stands in the way: the
/// main window closes, compose windows with unsaved text are stored as drafts first.
class DesktopApp : public QObject
{
    Q_OBJECT
public:
    explicit DesktopApp(outpost::Service *service, QObject *parent = nullptr);
    ~DesktopApp() override;

    /// Shows the tray icon (where a tray exists) and the main window, or only the tray when
    /// `minimized` (the window is shown anyway when there is no tray).
    void start(bool minimized);
    /// Opens a compose window, filled from a mailto: URL (RFC 6068) when one is given.
    ComposeWindow *openCompose(const QUrl &mailto = {});
    /// "Edit (back to draft)": opens message `id` in a compose window (or raises the one
    /// already editing it) and takes it out of sending (Service::takeBackToDraft, written by
    /// the storage without waiting here). A message being sent right now, sent already or gone
    /// is refused at once: the reason is shown in a message box (objectName "editRefused") and
    /// nullptr is returned. Should the take-back be refused later (claimed in between) the
    /// window closes again with the reason.
    ComposeWindow *openEdit(qint64 id);
    /// Brings the main window forward (a second start, the tray's Show).
    void activate();
    /// Opens the accounts dialog (one at a time), showing `account` when given.
    AccountDialog *openAccounts(const QString &account = {});

    MainWindow *mainWindow() const { return m_window; }
    TrayController *tray() const { return m_tray; }
    /// The accounts dialog while it is open; nullptr otherwise.
    AccountDialog *accountsDialog() const;
    /// Compose windows open now.
    QList<ComposeWindow *> composeWindows() const;
    /// The certificate dialog open for an account, if any.
    CertificateDialog *certificateDialog(const QString &account) const;

protected:
    /// Sees the application's QEvent::Quit (QCoreApplication::quit() after the shutdown, a
    /// session logout): Qt 6 cancels a quit when a window refuses to close, so every window
    /// is told to close for real first (unsaved compose windows are kept as drafts).
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    /// Tray Quit, window Quit, or the window closed (and confirmed) without a tray: the app
    /// runs Service::shutdown and exits.
    void quitRequested();

private:
    void onNotice(const Notice &notice);
    void fixAccount(const QString &account);
    void showCertificate(const Notice &notice);
    void requestQuit();
    void prepareForQuit();
    void toggleWindow();
    /// Says why a message cannot be edited (`state` now; `error` for an unreadable one).
    void refuseEdit(std::optional<MessageState> state, const QString &error);

    Service *m_service;
    MainWindow *m_window;
    TrayController *m_tray;
    QList<QPointer<ComposeWindow>> m_compose;
    QPointer<AccountDialog> m_accounts;
    QHash<QString, QPointer<CertificateDialog>> m_certificates;
    QHash<QString, Notice> m_pauses;
    std::optional<Notice> m_lastNotice;
    bool m_toldAboutTray = false;
    bool m_quitConfirmed = false;
};

} // namespace outpost::ui
