//! The problem responses of the OpenAPI document, written once (outside `routes` and `openapi`,
//! which both name them): each is a reusable response
//! component (`#/components/responses/…`) with an `application/problem+json` body, which the
//! handlers' `#[utoipa::path]` annotations name by type instead of repeating the description,
//! the body and the content type. The descriptions say what the status means on every route;
//! the problem's `detail` says what went wrong in one request.

use utoipa::ToResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};

/// A response carrying a [`voce_shared::api::Problem`] document.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// Declares a unit type per problem response, named as the component is.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident => $description:literal;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem($description))
                }
            }
        )*
    };
}

problem_responses! {
    /// `400`.
    Malformed => "The request is not acceptable: malformed JSON, duplicate keys, unknown fields, deep nesting, or a query string, filter or cursor this API does not take (the detail says which)";
    /// `401` for a ticket.
    InvalidTicket => "Missing, invalid or expired ticket";
    /// `401` for an operator token.
    Unauthenticated => "No valid operator token";
    /// `403` for an origin.
    OriginNotAllowed => "The Origin is missing, not allowed for the service's body, or not the ticket's";
    /// `403` for a role.
    Forbidden => "The token's role does not grant this (the detail names the missing scope)";
    /// `404`.
    NotFound => "No such service";
    /// `408`.
    RequestTimeout => "The body was not received within the request timeout; the connection is closed";
    /// `409`.
    TicketUsed => "The ticket already stored a different body";
    /// `413`.
    PayloadTooLarge => "Body over 16 KiB";
    /// `415`.
    UnsupportedMediaType => "Not application/json";
    /// `422`.
    InvalidAnswers => "Invalid answers, each violation listed";
    /// `429`.
    RateLimited => "Rate limited";
    /// `503`.
    Unavailable => "Database unavailable (or no export key); nothing stored";
}
