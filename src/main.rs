use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use liangxin::auth::Role;
use liangxin::config::Config;
use liangxin::db::Db;
use liangxin::{Application, api, service, telemetry};

/// Liangxin: the party-building API for "two new" organizations.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI contract.
    Openapi,
    /// Ask the server at `LIANGXIN_BIND` for `/healthz`: exit 0 when it answers 200 within 3
    /// seconds, 1 otherwise (a container's HEALTHCHECK, with no curl in the image).
    Healthcheck,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = ["admin"])]
        role: String,
        /// Read the password from standard input (the default; kept for scripts that say so).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[actix_web::main]
async fn main() -> ExitCode {
    liangxin::auth::password::return_large_blocks_to_the_system();
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        print!("{}", api::openapi::document_json());
        return ExitCode::SUCCESS;
    }
    if let Some(Command::Healthcheck) = cli.command {
        let bind = std::env::var("LIANGXIN_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
        return match liangxin::healthcheck(&bind) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("unhealthy: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::User {
            command: UserCommand::Create { username, role, .. },
        } => create_user(config, &username, &role).await,
        Command::Openapi | Command::Healthcheck => unreachable!("handled above"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), liangxin::StartError> {
    let bind = config.bind;
    let app = Application::build(config).await?;
    tracing::info!(
        "serving on http://{bind} — API docs at http://{bind}/docs/; get a token with \
         curl -d grant_type=password -d username=admin --data-urlencode password=… http://{bind}/api/v1/auth/token"
    );
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), liangxin::StartError> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_user(
    config: Config,
    username: &str,
    role: &str,
) -> Result<(), liangxin::StartError> {
    let role = Role::parse(role).ok_or("unknown role")?;
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < 8 {
        return Err("the password must have at least 8 characters".into());
    }
    let db = Db::connect(&config.database_url).await?;
    if config.auto_migrate {
        db.migrate().await?;
    }
    let grant = liangxin::auth::RoleGrant {
        role,
        region_code: None,
        party_organization_id: None,
        member_id: None,
        instructor_id: None,
    };
    let new = service::users::NewUser {
        username,
        password,
        display_name: None,
        grants: vec![grant],
    };
    service::users::create(&db, &service::audit::Actor::system("cli"), new)
        .await
        .map_err(|e| e.to_string())?;
    println!("created {} user {username}", role.as_str());
    Ok(())
}
