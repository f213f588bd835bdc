#pragma once

#include "Icons.h"
#include "outbox/Notice.h"

#include <QObject>
#include <QTimer>

#include <optional>

class QAction;
class QMenu;
class QSystemTrayIcon;

namespace outpost {
class Service;
}

namespace outpost::ui {

class MainWindow;

/// The tray icon (design.md §5): an icon per state (idle, sending, offline or paused,
/// attention when an account is paused), a tooltip with counts and the next attempt, a menu
/// (Show, Compose, Send queued now, Work offline, Pause sending, Quit) and desktop
/// notifications. The menu and state exist even where no tray is available (then nothing is
/// shown), so the same actions serve the window and the tests.
class TrayController : public QObject
{
    Q_OBJECT
public:
    TrayController(Service *service, MainWindow *window, QObject *parent = nullptr);
    ~TrayController() override;

    /// QSystemTrayIcon::isSystemTrayAvailable(), unless a test forced an answer.
    static bool isAvailable();
    /// Tests: force isAvailable() (nullopt = ask the system).
    static void setAvailableOverride(std::optional<bool> available);

    /// Shows the icon when a tray is available; returns whether it is shown.
    bool show();
    bool isShown() const;
    TrayState state() const { return m_state; }
    QString toolTip() const { return m_toolTip; }
    QMenu *menu() const { return m_menu; }
    QAction *showAction() const { return m_show; }
    QAction *composeAction() const { return m_compose; }
    QAction *pauseAction() const { return m_pause; }
    /// True while "Pause sending" is on (the dispatcher claims nothing).
    bool isPaused() const;
    /// Shows a notification for a Notice (with words made by Words); returns false when no
    /// tray is shown (the caller shows it another way).
    bool notify(const Notice &notice);
    /// Shows an informational notification when a tray is shown.
    void showInfo(const QString &title, const QString &text);
    /// Title and text of the last notification asked for.
    QString lastNotificationTitle() const { return m_lastTitle; }
    QString lastNotificationText() const { return m_lastText; }
    /// Recomputes the state and the tooltip now.
    void refresh();

signals:
    void showRequested();
    void toggleRequested();
    void composeRequested();
    void notificationClicked();

private:
    void scheduleRefresh();

    Service *m_service;
    MainWindow *m_window;
    QSystemTrayIcon *m_icon = nullptr;
    QMenu *m_menu;
    QAction *m_show;
    QAction *m_compose;
    QAction *m_pause;
    TrayState m_state = TrayState::Idle;
    QString m_toolTip;
    QString m_lastTitle;
    QString m_lastText;
    bool m_busy = false;
    QTimer m_refresh;  // coalesces store changes
    QTimer m_periodic; // keeps the "next attempt" countdown fresh
};

} // namespace outpost::ui
