package clienttest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/clerkgen/signintokens/api"
	"github.com/clerkgen/signintokens/gen"
)

// defaultExpiresInSeconds is Clerk's default expiry, from the spec.
const defaultExpiresInSeconds = 2592000

// process carries out a request that passed the contract checks, by the contract's operation.
func (h *Handler) process(r *http.Request, in *openapi3filter.RequestValidationInput, body []byte) (int, any) {
	switch op := in.Route.Operation.OperationID; op {
	case "CreateSignInToken":
		return h.create(r, body)
	case "RevokeSignInToken":
		return h.revoke(in.PathParams["sign_in_token_id"])
	default:
		panic("clienttest: openapi.yaml has an operation the fake does not implement: " + op)
	}
}

// createRequest is a CreateSignInToken body, read strictly.
type createRequest struct {
	userID, orgID string
	expiresIn     time.Duration
}

// parseCreate reads a body the contract check has passed, with the checks a JSON Schema
// validator does not make: an integer is written as one (not 1e3 or 3.0) and fits int64, and
// an empty user_id is missing, as Clerk treats it.
func parseCreate(body []byte) (createRequest, *violation) {
	var raw struct {
		UserID  string          `json:"user_id"`
		OrgID   *string         `json:"org_id"`
		Expires json.RawMessage `json:"expires_in_seconds"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return createRequest{}, &violation{status: http.StatusUnprocessableEntity, code: "request_body_invalid", kind: string(BodyInvalid),
			message: "CreateSignInToken request body is not the object the contract describes"}
	}
	if raw.UserID == "" {
		return createRequest{}, &violation{status: http.StatusUnprocessableEntity, code: "form_param_missing", param: "user_id", kind: string(ParamMissing),
			message: "CreateSignInToken request breaks the contract: /user_id: is empty, which Clerk answers as missing"}
	}
	req := createRequest{userID: raw.UserID, expiresIn: defaultExpiresInSeconds * time.Second}
	if raw.OrgID != nil {
		req.orgID = *raw.OrgID
	}
	if lit := string(raw.Expires); lit != "" && lit != "null" {
		secs, err := strconv.ParseInt(lit, 10, 64)
		if err != nil || secs < 1 {
			return createRequest{}, &violation{status: http.StatusUnprocessableEntity, code: "form_param_value_invalid", param: "expires_in_seconds", kind: string(ParamInvalid),
				message: "CreateSignInToken request breaks the contract: /expires_in_seconds: must be an integer written without fraction or exponent, from 1 to 2^63-1"}
		}
		req.expiresIn = time.Duration(min(secs, maxExpiresInSeconds)) * time.Second
	}
	return req, nil
}

func (h *Handler) create(r *http.Request, body []byte) (int, any) {
	req, v := parseCreate(body)
	if v != nil {
		h.violate(v)
		return v.status, clerkErrors(v.code, v.param)
	}
	tok, ticket, err := h.store.create(req.userID, req.orgID, req.expiresIn)
	if err != nil {
		return http.StatusNotFound, clerkErrors("resource_not_found", "")
	}
	url := origin(r) + ticketPath + "?ticket=" + ticket
	return http.StatusOK, wireToken(tok, &ticket, &url)
}

func (h *Handler) revoke(id string) (int, any) {
	tok, err := h.store.transition(id, api.StatusRevoked)
	switch {
	case errors.Is(err, errUnknownToken):
		return http.StatusNotFound, clerkErrors("resource_not_found", "")
	case errors.Is(err, errNotPending):
		return http.StatusBadRequest, clerkErrors("sign_in_token_cannot_be_revoked_code", "")
	}
	return http.StatusOK, wireToken(tok, nil, nil) // nothing left to use the credentials for
}

// wireToken is tok as Clerk's API shows it, with its credentials when given.
func wireToken(tok Token, ticket, url *string) gen.SignInToken {
	return gen.SignInToken{
		Object: gen.SignInTokenObjectSignInToken, ID: tok.ID, UserID: tok.UserID,
		Status: gen.SignInTokenStatus(tok.Status), Token: ticket, URL: url,
		CreatedAt: tok.CreatedAt.UnixMilli(), UpdatedAt: tok.UpdatedAt.UnixMilli(),
	}
}

func origin(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// ticketPath is where the fake's sign-in URLs point. Following one signs the user in (the
// token becomes accepted), so tests in any language can play the user.
const ticketPath = "/v1/tickets/accept"

func (h *Handler) serveTicket(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	id, ok := h.store.idByTicket(r.URL.Query().Get("ticket"))
	if !ok {
		http.Error(w, "unknown ticket", http.StatusNotFound)
		return
	}
	tok, err := h.store.transition(id, api.StatusAccepted)
	if err != nil {
		http.Error(w, strings.TrimPrefix(err.Error(), "sign-in token ")+": cannot sign in", http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "signed in as %s with %s\n", tok.UserID, id)
}
