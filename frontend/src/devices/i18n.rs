//! The signing devices' words: the devices page, what a tablet-side failure means, and the
//! PIN prompt every signed action shares.

use super::key::DeviceError;
use crate::platform::{Lang, Words, describe, pick, t};
use ecabinet_domain::device::DeviceStatus;

/// The device screens' messages, and the signing prompt's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum K {
    Devices,
    ThisTablet,
    NoKeyHere,
    DeviceLabel,
    DefaultDeviceLabel,
    Pin,
    PinAgain,
    CreateKey,
    CreatingKey,
    RegisterAgain,
    KeyPending,
    KeyApproved,
    KeyRevoked,
    KeyNotRegistered,
    KeyFingerprint,
    MyDevices,
    AllDevices,
    NoDevices,
    Approve,
    Revoke,
    EnterPin,
    SignAndSend,
    Signing,
    WeakPin,
    PinMismatch,
    WrongPin,
    NoKey,
    KeyNotInPoll,
    DefinitionMismatch,
    BadReceipt,
    ServerKeyChanged,
    StorageError,
    DevicesNotForYou,
}

impl Words for K {
    fn text(self, lang: Lang) -> &'static str {
        let p = |vi, en| pick(lang, vi, en);
        match self {
            K::Devices => p("Thiết bị ký", "Signing devices"),
            K::ThisTablet => p("Máy tính bảng này", "This tablet"),
            K::NoKeyHere => p(
                "Máy này chưa có khoá ký. Hãy chọn mã PIN (ít nhất 6 chữ số) để tạo khoá; khoá bí mật chỉ nằm trên máy này.",
                "This tablet has no signing key yet. Choose a PIN (at least 6 digits) to create one; the private key never leaves this tablet.",
            ),
            K::DeviceLabel => p("Tên thiết bị", "Device name"),
            K::DefaultDeviceLabel => p("Máy tính bảng", "Tablet"),
            K::Pin => p("Mã PIN", "PIN"),
            K::PinAgain => p("Nhập lại mã PIN", "PIN again"),
            K::CreateKey => p("Tạo khoá và đăng ký", "Create key and register"),
            K::CreatingKey => p("Đang tạo khoá…", "Creating the key…"),
            K::RegisterAgain => p(
                "Đăng ký lại khoá của máy này",
                "Register this tablet's key again",
            ),
            K::KeyPending => p(
                "Đang chờ Văn phòng duyệt",
                "Waiting for the secretariat's approval",
            ),
            K::KeyApproved => p("Đã được duyệt", "Approved"),
            K::KeyRevoked => p("Đã thu hồi", "Revoked"),
            K::KeyNotRegistered => p("Chưa đăng ký", "Not registered"),
            K::KeyFingerprint => p("Mã khoá", "Key id"),
            K::MyDevices => p("Thiết bị của tôi", "My devices"),
            K::AllDevices => p("Thiết bị của các thành viên", "Members' devices"),
            K::NoDevices => p("Chưa có thiết bị nào.", "No devices yet."),
            K::Approve => p("Duyệt", "Approve"),
            K::Revoke => p("Thu hồi", "Revoke"),
            K::EnterPin => p("Nhập mã PIN để ký phiếu", "Enter your PIN to sign"),
            K::SignAndSend => p("Ký và gửi phiếu", "Sign and send"),
            K::Signing => p("Đang ký…", "Signing…"),
            K::WeakPin => p(
                "Mã PIN cần ít nhất 6 chữ số.",
                "The PIN needs at least 6 digits.",
            ),
            K::PinMismatch => p("Hai mã PIN không khớp.", "The two PINs differ."),
            K::WrongPin => p("Sai mã PIN.", "Wrong PIN."),
            K::NoKey => p(
                "Máy này chưa có khoá ký: vào mục Thiết bị ký để tạo.",
                "This tablet has no signing key: create one under Signing devices.",
            ),
            K::KeyNotInPoll => p(
                "Khoá của máy này chưa được duyệt khi mở biểu quyết.",
                "This tablet's key was not approved when the vote opened.",
            ),
            K::DefinitionMismatch => p(
                "Nội dung biểu quyết không khớp với mã băm máy chủ công bố; phiếu không được ký.",
                "The vote's content does not match the hash the server states; nothing was signed.",
            ),
            K::BadReceipt => p(
                "Biên nhận hoặc kết quả không hợp lệ: hãy báo Văn phòng.",
                "The receipt or result does not check out: tell the secretariat.",
            ),
            K::ServerKeyChanged => p(
                "Khoá của máy chủ đã thay đổi so với lần trước: hãy báo Văn phòng.",
                "The server's key differs from the one seen before: tell the secretariat.",
            ),
            K::StorageError => p(
                "Trình duyệt không lưu được khoá",
                "The browser could not store the key",
            ),
            K::DevicesNotForYou => p(
                "Tài khoản này không dùng khoá ký.",
                "This account does not use signing keys.",
            ),
        }
    }
}

/// A tablet-side failure in words.
pub(crate) fn device_error(lang: Lang, e: &DeviceError) -> String {
    let k = match e {
        DeviceError::WeakPin => K::WeakPin,
        DeviceError::PinMismatch => K::PinMismatch,
        DeviceError::WrongPin => K::WrongPin,
        DeviceError::NoKey => K::NoKey,
        DeviceError::KeyNotInPoll => K::KeyNotInPoll,
        DeviceError::DefinitionMismatch => K::DefinitionMismatch,
        DeviceError::NotOpen => {
            return crate::platform::i18n::error(lang, ecabinet_protocol::ErrorCode::PollNotOpen)
                .into();
        }
        DeviceError::BadReceipt => K::BadReceipt,
        DeviceError::ServerKeyChanged => K::ServerKeyChanged,
        DeviceError::Storage(why) => return format!("{}: {why}", t(lang, K::StorageError)),
        DeviceError::Server(e) => return describe(lang, e),
    };
    t(lang, k).to_owned()
}

pub(super) fn status_key(s: DeviceStatus) -> K {
    match s {
        DeviceStatus::Pending => K::KeyPending,
        DeviceStatus::Approved => K::KeyApproved,
        DeviceStatus::Revoked => K::KeyRevoked,
    }
}
