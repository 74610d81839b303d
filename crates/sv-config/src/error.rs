//! Configuration errors and warnings as data: the reference's message, where
//! the value was written, and what was expected. Rendered in one place
//! ([`fmt::Display`]); binaries add the `Error: ` prefix and exit code.

use std::fmt;

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as the loader knows it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The section name (without brackets).
    pub section: String,
    /// The key, when the problem is about one.
    pub key: Option<String>,
    /// The value as written, when there is one.
    pub value: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if !self.section.is_empty() {
            write!(f, " [{}]", self.section)?;
        }
        if let Some(k) = &self.key {
            write!(f, " {k}")?;
            if let Some(v) = &self.value {
                let v = v.replace('\n', "\\n");
                write!(f, " = {v}")?;
            }
        }
        Ok(())
    }
}

/// One invalid thing in a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The reference's wording (what users search for), including its
    /// ` in section '...' (file: '...')` suffix where it adds one.
    pub message: String,
    /// Where, when known.
    pub location: Option<Location>,
    /// What would have been accepted, in our words.
    pub expected: Option<String>,
}

impl ConfigError {
    /// An error without location.
    pub fn plain(message: impl Into<String>) -> Self {
        ConfigError { message: message.into(), location: None, expected: None }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  at {loc}")?;
        }
        if let Some(exp) = &self.expected {
            write!(f, "\n  expected: {exp}")?;
        }
        Ok(())
    }
}

/// Something suspicious that does not stop the configuration from loading
/// (an unknown key, a plugin we cannot load).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// What is wrong.
    pub message: String,
    /// Where.
    pub location: Option<Location>,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(loc) = &self.location {
            write!(f, "\n  at {loc}")?;
        }
        Ok(())
    }
}

/// A configuration that could not be loaded: every error found, and the
/// warnings gathered on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFailure {
    /// Errors, in the order the reference would meet them.
    pub errors: Vec<ConfigError>,
    /// Warnings.
    pub warnings: Vec<ConfigWarning>,
}

impl fmt::Display for ConfigFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_message_location_and_expectation() {
        let e = ConfigError {
            message:
                "invalid 'autorestart' value 'maybe' in section 'program:a' (file: '/etc/s.conf')"
                    .into(),
            location: Some(Location {
                file: "/etc/s.conf".into(),
                line: 7,
                section: "program:a".into(),
                key: Some("autorestart".into()),
                value: Some("maybe".into()),
            }),
            expected: Some("true, false or unexpected".into()),
        };
        assert_eq!(
            e.to_string(),
            "invalid 'autorestart' value 'maybe' in section 'program:a' (file: '/etc/s.conf')\n  \
             at /etc/s.conf:7 [program:a] autorestart = maybe\n  expected: true, false or unexpected"
        );
    }
}
