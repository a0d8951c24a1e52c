//! The helper under launchd on macOS.
//!
//! - macOS 13 and later: `SMAppService`'s daemon API over the plist the
//!   bundle carries in `Contents/Library/LaunchDaemons/dev.egress.helper.plist`
//!   (its `BundleProgram` is `Contents/MacOS/egress-helper`). Register,
//!   unregister and the status are the framework's; errors are turned into
//!   sentences once, by [`super::smerror`].
//! - Before 13 there is no `SMAppService`: an administrator installs the
//!   helper in Terminal with `egress-helper install` (a plist in
//!   `/Library/LaunchDaemons`); the app only reports whether that plist is
//!   there.
//!
//! Which one applies is asked at run time with
//! `NSProcessInfo.isOperatingSystemAtLeastVersion(13.0.0)` (the app's
//! minimum macOS may be older than 13, so the symbol check cannot be left
//! to the linker).
#![allow(unsafe_code)]

use std::path::Path;
use std::sync::Arc;

use objc2::rc::Retained;
use objc2_foundation::{NSError, NSOperatingSystemVersion, NSProcessInfo, NSString};
use objc2_service_management::{SMAppService, SMAppServiceStatus};

use super::smerror::describe;
use super::{Manager, ServiceManager, ServiceStatus};
use crate::error::AppError;

/// The plist's name inside `Contents/Library/LaunchDaemons`.
const PLIST_NAME: &str = "dev.egress.helper.plist";

/// Where `egress-helper install` puts the plist before macOS 13.
const LEGACY_PLIST: &str = "/Library/LaunchDaemons/dev.egress.helper.plist";

/// `SMAppService` from macOS 13 on, the legacy plist before.
pub(super) fn manager() -> Arc<dyn ServiceManager> {
    let thirteen = NSOperatingSystemVersion {
        majorVersion: 13,
        minorVersion: 0,
        patchVersion: 0,
    };
    if NSProcessInfo::processInfo().isOperatingSystemAtLeastVersion(thirteen) {
        Arc::new(AppService)
    } else {
        Arc::new(LegacyLaunchd)
    }
}

/// The bundle's daemon through `SMAppService` (macOS 13+).
#[derive(Debug, Clone, Copy)]
struct AppService;

impl AppService {
    fn service() -> Retained<SMAppService> {
        let name = NSString::from_str(PLIST_NAME);
        // SAFETY: a class method taking a valid NSString; it returns a
        // retained object describing the daemon (it registers nothing).
        unsafe { SMAppService::daemonServiceWithPlistName(&name) }
    }
}

/// An `NSError` as the app's error, through the one table.
fn failure(action: &str, error: &NSError) -> AppError {
    let description = error.localizedDescription().to_string();
    let (meaning, text) = describe(
        action,
        i64::try_from(error.code()).unwrap_or(-1),
        &description,
    );
    AppError::new(meaning.code, text)
}

impl ServiceManager for AppService {
    fn manager(&self) -> Manager {
        Manager::AppService
    }

    fn status(&self) -> ServiceStatus {
        // SAFETY: a getter on a valid SMAppService.
        let status = unsafe { Self::service().status() };
        match status {
            SMAppServiceStatus::Enabled => ServiceStatus::Enabled,
            SMAppServiceStatus::RequiresApproval => ServiceStatus::RequiresApproval,
            SMAppServiceStatus::NotFound => ServiceStatus::NotFound,
            SMAppServiceStatus::NotRegistered => ServiceStatus::NotRegistered,
            _ => ServiceStatus::Unknown,
        }
    }

    fn installed(&self) -> Option<bool> {
        Some(self.status() != ServiceStatus::NotRegistered)
    }

    fn default_group(&self) -> &'static str {
        "admin"
    }

    fn register(&self) -> Result<(), AppError> {
        // SAFETY: registerAndReturnError on a valid SMAppService; the
        // error, if any, is a retained NSError.
        match unsafe { Self::service().registerAndReturnError() } {
            Ok(()) => Ok(()),
            Err(e) => {
                let error = failure("Registering the helper", &e);
                // Registered but waiting for approval is a success here:
                // the status says what to do next.
                if error.code == "requires_approval" || error.code == "already_registered" {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }

    fn unregister(&self) -> Result<(), AppError> {
        // SAFETY: as register.
        unsafe { Self::service().unregisterAndReturnError() }
            .map_err(|e| failure("Unregistering the helper", &e))
    }

    fn restart(&self) -> Result<(), AppError> {
        // launchd runs the bundle's program afresh after a new registration.
        self.unregister()?;
        self.register()
    }

    fn open_approval_settings(&self) -> Result<(), AppError> {
        // SAFETY: a class method without arguments; it opens System
        // Settings › General › Login Items.
        unsafe { SMAppService::openSystemSettingsLoginItems() };
        Ok(())
    }
}

/// macOS before 13: a plist in `/Library/LaunchDaemons`, installed by an
/// administrator in Terminal (`egress-helper install`).
#[derive(Debug, Clone, Copy)]
struct LegacyLaunchd;

impl ServiceManager for LegacyLaunchd {
    fn manager(&self) -> Manager {
        Manager::LegacyLaunchd
    }

    fn status(&self) -> ServiceStatus {
        if Path::new(LEGACY_PLIST).exists() {
            ServiceStatus::Enabled
        } else {
            ServiceStatus::NotInstalled
        }
    }

    fn installed(&self) -> Option<bool> {
        Some(Path::new(LEGACY_PLIST).exists())
    }

    fn default_group(&self) -> &'static str {
        "admin"
    }
}
