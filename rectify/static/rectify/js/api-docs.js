document.getElementById("endpoint-list").hidden = true;
