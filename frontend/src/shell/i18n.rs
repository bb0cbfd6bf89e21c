//! The app frame's words: the login form, the header and the connection indicator.

use crate::platform::{Lang, Words, pick};

/// The app frame's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    AppName,
    Username,
    Password,
    LogIn,
    LogOut,
    LoginFailed,
    LoginLimited,
    LoginHint,
    Connecting,
    Live,
    Resynced,
    Reconnecting,
    Offline,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::AppName => p("Phòng họp không giấy", "Paperless cabinet"),
            K::Username => p("Tên đăng nhập", "Username"),
            K::Password => p("Mật khẩu", "Password"),
            K::LogIn => p("Đăng nhập", "Log in"),
            K::LogOut => p("Đăng xuất", "Log out"),
            K::LoginFailed => p(
                "Sai tên đăng nhập hoặc mật khẩu.",
                "Wrong username or password.",
            ),
            K::LoginLimited => p(
                "Đã nhập sai quá nhiều lần. Hãy chờ một phút rồi thử lại.",
                "Too many failed attempts. Wait a minute and try again.",
            ),
            K::LoginHint => p(
                "Dành cho thành viên Chính phủ và Văn phòng Chính phủ.",
                "For members of the Government and its Office.",
            ),
            K::Connecting => p("Đang kết nối…", "Connecting…"),
            K::Live => p("Trực tuyến", "Live"),
            K::Resynced => p("Đã đồng bộ lại", "Back in sync"),
            K::Reconnecting => p("Đang kết nối lại…", "Reconnecting…"),
            K::Offline => p("Mất kết nối mạng", "Offline"),
        }
    }
}
