//! nginx in front of our servers, running the shipped `deploy/nginx.conf` with the servers given
//! as its upstream: for the multi-node test and the load bench (which includes this file).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Debian's nginx, where installed.
pub fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
}

/// nginx on `port`, running `deploy/nginx.conf` with our servers as its upstream; stopped on drop.
pub struct Nginx {
    binary: PathBuf,
    dir: PathBuf,
}

impl Nginx {
    /// Returns once nginx listens: it binds its port, then daemonises, and only then does the
    /// command it was started with exit.
    pub fn start(binary: &Path, dir: &Path, port: u16, nodes: &[u16]) -> std::io::Result<Self> {
        let shipped = include_str!("../../deploy/nginx.conf");
        let mut site = String::new();
        let mut in_nodes = false;
        for line in shipped.lines() {
            let trimmed = line.trim();
            if trimmed == "# nodes:begin" {
                in_nodes = true;
                for node in nodes {
                    site.push_str(&format!("    server 127.0.0.1:{node} max_fails=1 fail_timeout=2s;\n"));
                }
                continue;
            }
            if trimmed == "# nodes:end" {
                in_nodes = false;
                continue;
            }
            if in_nodes {
                continue;
            }
            if trimmed == "listen 8080;" {
                site.push_str(&format!("    listen 127.0.0.1:{port};\n"));
                continue;
            }
            site.push_str(line);
            site.push('\n');
        }
        assert!(
            site.contains(&format!("listen 127.0.0.1:{port};")),
            "the shipped config listens on 8080"
        );
        std::fs::write(dir.join("hijraah.conf"), site)?;
        let root = std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"));
        let dir_text = dir.display();
        let main = format!(
            "{user}worker_processes 1;\npid {dir_text}/nginx.pid;\nerror_log {dir_text}/nginx-error.log warn;\n\
             events {{ worker_connections 1024; }}\nhttp {{\n  access_log off;\n\
             client_body_temp_path {dir_text}/body;\n  proxy_temp_path {dir_text}/proxy;\n\
             fastcgi_temp_path {dir_text}/fastcgi;\n  uwsgi_temp_path {dir_text}/uwsgi;\n\
             scgi_temp_path {dir_text}/scgi;\n  include {dir_text}/hijraah.conf;\n}}\n",
            user = if root { "user root;\n" } else { "" },
        );
        std::fs::write(dir.join("nginx.conf"), main)?;
        let nginx = Self {
            binary: binary.to_owned(),
            dir: dir.to_owned(),
        };
        let status = nginx.command().status()?;
        if !status.success() {
            return Err(std::io::Error::other(format!(
                "nginx did not start ({status}); see {}",
                dir.join("nginx-error.log").display()
            )));
        }
        Ok(nginx)
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .arg("-e")
            .arg(self.dir.join("nginx-error.log"))
            .arg("-p")
            .arg(&self.dir)
            .arg("-c")
            .arg(self.dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.command().args(["-s", "stop"]).status();
    }
}
